#!/bin/sh
# Adds what a new processor's adapter needs in the deployment files, from its processor id (as in policy.yaml):
#   deploy/k8s/base/kafka/topics.yaml      consent.directives.<id>.v1, consent.receipts.<id>.v1 and their .dlq
#   deploy/k8s/base/kafka/users.yaml       KafkaUser consent-adapter-<id> (its topic, group, DLQ, its own receipt
#                                          topic), and the core's Write on the topic, Read on the receipt topic and
#                                          the DLQs (dead-letter replay)
#   src/main/resources/application.properties   the receipt topic among those the core reads
#   deploy/k8s/base/adapters.yaml          ServiceAccount and Deployment consent-adapter-<id>
#   deploy/k8s/base/kustomization.yaml     ConfigMap consent-adapter-<id> (fill in the processor's settings)
#   deploy/k8s/base/network-policy.yaml    the adapter among the pods only Prometheus may reach
#   deploy/k8s/components/placeholder-secrets/secrets.yaml   Secret consent-adapter-<id>-credentials (placeholders)
#   deploy/compose/kafka/create-topics.sh  the local topics
# The code side is a policy entry and one package (README, "Adding a processor"); the adapter's consumer, group and
# dead-letter topic follow from CONSENT_ADAPTERS_<ID>_ENABLED=true. Run from anywhere; then review the diff and run
# deploy/validate.sh.
set -eu
id=${1:?usage: deploy/add-processor.sh <processor-id, e.g. elhub>}
echo "$id" | grep -Eq '^[a-z][a-z0-9-]{1,30}$' || { echo "processor id: lower case letters, digits, '-'" >&2; exit 2; }
cd "$(dirname "$0")"
ENV=$(echo "$id" | tr 'a-z-' 'A-Z_')
topic="consent.directives.$id.v1"
receipts="consent.receipts.$id.v1"
grep -q "name: consent-adapter-$id\$" k8s/base/kafka/users.yaml && { echo "$id is there already" >&2; exit 1; }

cat >> k8s/base/kafka/topics.yaml <<YAML
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata:
  name: $topic
spec:
  topicName: $topic
  partitions: 12
  replicas: 3
  config:
    cleanup.policy: delete
    retention.ms: "2592000000"       # 30 days: a directive is worthless after its deadline
    min.insync.replicas: "2"
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata:
  name: $topic.dlq
spec:
  topicName: $topic.dlq
  partitions: 3
  replicas: 3
  config:
    cleanup.policy: delete
    retention.ms: "5184000000"       # 60 days
    min.insync.replicas: "2"
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata:
  name: $receipts
spec:
  topicName: $receipts
  partitions: 12
  replicas: 3
  config:
    cleanup.policy: delete
    retention.ms: "2592000000"       # 30 days; written only by adapter $id
    min.insync.replicas: "2"
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata:
  name: $receipts.dlq
spec:
  topicName: $receipts.dlq
  partitions: 3
  replicas: 3
  config:
    cleanup.policy: delete
    retention.ms: "5184000000"       # 60 days
    min.insync.replicas: "2"
YAML

# the core writes the directives and replays the dead letters
awk -v topic="$topic" -v receipts="$receipts" '
  function acl(name, ops) {
    print "      - resource: {type: topic, name: " name ", patternType: literal}"
    print "        operations: [" ops "]" }
  /# deploy\/add-processor.sh adds the receipt topic of/ { acl(receipts, "Read, Describe") }
  /# deploy\/add-processor.sh adds the receipt dead-letter topic/ { acl(receipts ".dlq", "Write, Describe") }
  /# deploy\/add-processor.sh adds the receipt dead letters to replay/ { acl(receipts ".dlq", "Read") }
  /# deploy\/add-processor.sh adds the receipt topic to replay to/ { acl(receipts, "Write") }
  /# deploy\/add-processor.sh adds the directive topic/ {
    print "      - resource: {type: topic, name: " topic ", patternType: literal}"
    print "        operations: [Write, Describe]" }
  /# deploy\/add-processor.sh adds the dead-letter topic/ {
    print "      - resource: {type: topic, name: " topic ".dlq, patternType: literal}"
    print "        operations: [Read, Describe]" }
  { print }' k8s/base/kafka/users.yaml > k8s/base/kafka/users.yaml.new
mv k8s/base/kafka/users.yaml.new k8s/base/kafka/users.yaml
cat >> k8s/base/kafka/users.yaml <<YAML
---
# Adapter $id: reads only its own directive topic, writes only its own receipt topic and its own DLQ.
apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata:
  name: consent-adapter-$id
spec:
  authentication:
    type: scram-sha-512
  authorization:
    type: simple
    acls:
      - resource: {type: topic, name: $topic, patternType: literal}
        operations: [Read, Describe]
      - resource: {type: group, name: consent-adapter-$id, patternType: literal}
        operations: [Read]
      - resource: {type: topic, name: $receipts, patternType: literal}
        operations: [Write, Describe]
      - resource: {type: topic, name: $topic.dlq, patternType: literal}
        operations: [Write, Describe]
YAML

cat >> k8s/base/adapters.yaml <<YAML
---
# Adapter $id: reads $topic, calls the processor, writes receipts.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: consent-adapter-$id
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: consent-adapter-$id
  labels: &labels
    app.kubernetes.io/name: consent-propagation
    app.kubernetes.io/component: adapter-$id
spec:
  replicas: 1
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      serviceAccountName: consent-adapter-$id
      securityContext:
        runAsNonRoot: true
        runAsUser: 185
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: consent-propagation
          image: elekt/consent-propagation:latest
          ports:
            - {name: http, containerPort: 8080}
          envFrom:
            - configMapRef: {name: consent-common}
            - configMapRef: {name: consent-adapter-$id}
          env:
            - {name: CONSENT_CORE_ENABLED, value: "false"}
            - {name: CONSENT_ADAPTERS_${ENV}_ENABLED, value: "true"}
            - name: QUARKUS_DATASOURCE_USERNAME
              valueFrom: {secretKeyRef: {name: consent-adapter-$id-credentials, key: db-username}}
            - name: QUARKUS_DATASOURCE_PASSWORD
              valueFrom: {secretKeyRef: {name: consent-adapter-$id-credentials, key: db-password}}
            - name: KAFKA_SASL_JAAS_CONFIG     # written by Strimzi for KafkaUser consent-adapter-$id
              valueFrom: {secretKeyRef: {name: consent-adapter-$id, key: sasl.jaas.config}}
          startupProbe:
            httpGet: {path: /q/health/live, port: http}
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: /q/health/live, port: http}
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /q/health/ready, port: http}
            periodSeconds: 5
            failureThreshold: 3
          resources:
            requests: {cpu: 100m, memory: 384Mi}
            limits: {memory: 768Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: tmp
          emptyDir: {}
YAML

awk -v id="$id" -v env="$ENV" '
  /^  # the registration Job.s inputs/ && !done {
    print "  - name: consent-adapter-" id
    print "    literals:"
    print "      # the processor'"'"'s settings, e.g. CONSENT_ADAPTERS_" env "_BASE_URL=..."
    print "      - CONSENT_ADAPTERS_" env "_RATE_LIMIT=10"
    done = 1 }
  { print }' k8s/base/kustomization.yaml > k8s/base/kustomization.yaml.new
mv k8s/base/kustomization.yaml.new k8s/base/kustomization.yaml

sed -i "s/values: \[adapter-\(.*\)\]}/values: [adapter-\1, adapter-$id]}/" k8s/base/network-policy.yaml

cat >> k8s/components/placeholder-secrets/secrets.yaml <<YAML
---
apiVersion: v1
kind: Secret
metadata:
  name: consent-adapter-$id-credentials
type: Opaque
stringData:
  db-username: consent_adapter_$(echo "$id" | tr '-' '_')
  db-password: CHANGE_ME
YAML

sed -i "s/^for p in \(.*\); do\$/for p in \1 $id; do/" compose/kafka/create-topics.sh
sed -i "s/^\(mp.messaging.incoming.consent-receipts.topics=.*\)\$/\1,$receipts/" ../src/main/resources/application.properties
echo "added $id: review 'git diff deploy/', fill in the ConfigMap and the Secret, then run deploy/validate.sh"
