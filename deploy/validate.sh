#!/bin/sh
# Offline checks of the deployment files, run by CI from the repository root:
#   - the compose stack renders (default, demo and live profiles) with docker-compose config
#   - the register script parses (sh -n)
#   - every Kustomize overlay (and the registry's auth settings) renders with plain `kubectl kustomize`
# Needs no Docker engine and no cluster. Installs Debian's docker-compose if missing.
set -eu
cd "$(dirname "$0")/.."

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "installing docker-compose (apt)"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
command -v kubectl >/dev/null 2>&1 || { echo "kubectl is required" >&2; exit 1; }

compose=deploy/compose/docker-compose.yml
# the variables docker-compose requires (from .env on a developer's machine): throw-away values
export CONSENT_CRYPTO_KEYS_PRIMARY="${CONSENT_CRYPTO_KEYS_PRIMARY:-validate-only}"
export MP_JWT_VERIFY_ISSUER="${MP_JWT_VERIFY_ISSUER:-https://validate-only.invalid}"
echo "compose: $compose"
docker-compose -f "$compose" config -q
for profile in demo live; do
  echo "compose: $compose --profile $profile"
  docker-compose -f "$compose" --profile "$profile" config -q
done

for s in deploy/register-schemas.sh deploy/k8s/sync-schemas.sh deploy/compose/kafka/create-topics.sh; do sh -n "$s"; done

# the schema registration Job's ConfigMaps need schemas/ copied next to the base
deploy/k8s/sync-schemas.sh
for overlay in deploy/k8s/overlays/*/ deploy/k8s/registry-auth/; do
  echo "kustomize: $overlay"
  out=$(kubectl kustomize "$overlay") || { echo "FAILED: $overlay" >&2; exit 1; }
  [ -n "$out" ] || { echo "FAILED: $overlay rendered nothing" >&2; exit 1; }
done
echo "deploy: all checks passed"
