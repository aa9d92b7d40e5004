#!/bin/sh
# Creates the consent topics in the local single-broker cluster (auto-creation is off,
# as in production where Strimzi KafkaTopic resources own them: deploy/k8s/base/kafka/topics.yaml).
# Local settings: 3 partitions, replication factor 1; retention as in production.
set -eu
BOOTSTRAP=${BOOTSTRAP:-kafka:9092}
KT=/opt/kafka/bin/kafka-topics.sh
DAY=86400000

create() { # name partitions retention.ms
  "$KT" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$1" \
    --partitions "$2" --replication-factor 1 \
    --config cleanup.policy=delete --config retention.ms="$3"
}

for b in app web; do # one intake topic per app backend (CONSENT_INTAKE_KAFKA_BACKENDS_<B> of the core)
  create consent.change-requests.$b.v1      3 $((7 * DAY))
  create consent.change-requests.$b.v1.dlq  1 $((60 * DAY))
done
create consent.change-requests.dlq     1 $((60 * DAY))
create consent.changes.v1              3 $((1095 * DAY))
for p in mailgun firebase eliq addapptr; do
  create consent.directives.$p.v1      3 $((30 * DAY))
  create consent.directives.$p.v1.dlq  1 $((60 * DAY))
  create consent.receipts.$p.v1        3 $((30 * DAY))
  create consent.receipts.$p.v1.dlq    1 $((60 * DAY))
done
create consent.receipts.dlq            1 $((60 * DAY))
"$KT" --bootstrap-server "$BOOTSTRAP" --list
