#!/bin/sh
# Copies schemas/*.avsc and deploy/register-schemas.sh into
# deploy/k8s/base/schema-registration/files/ (git-ignored), where the base's
# configMapGenerator reads them. Needed because kustomize's load restrictor refuses
# files outside the kustomization directory (symlinks included), while schemas/ at
# the repository root must stay the single source of truth.
# Run it before `kubectl kustomize` / `kubectl apply -k` (deploy/validate.sh does).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dest="$root/deploy/k8s/base/schema-registration/files"
mkdir -p "$dest"
find "$dest" -maxdepth 1 -type f ! -name .gitignore -delete
for f in ConsentChangeRequested ConsentChanged ProcessorDirective PropagationReceipt; do
  cp "$root/schemas/$f.avsc" "$dest/"
done
cp "$root/deploy/register-schemas.sh" "$dest/"
