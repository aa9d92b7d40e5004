#!/bin/sh
# Registers the Avro value schema of every consent topic in Apicurio Registry 3
# (REST API v3) as artifact "<topic>-value" in group "default", and puts a
# BACKWARD compatibility rule (plus a FULL validity rule) on each artifact.
#
#   REGISTRY_URL   e.g. http://localhost:8080/apis/registry/v3   (required)
#   SCHEMAS_DIR    directory holding the .avsc files              (default: schemas)
#   GROUP_ID       artifact group                                 (default: default)
#   COMPATIBILITY  compatibility level                            (default: BACKWARD)
#   WAIT_SECONDS   wait this long for the registry to answer      (default: 0)
#   REGISTRY_CLIENT_ID, REGISTRY_CLIENT_SECRET
#                  a registry client allowed to write (Apicurio role sr-developer), sent as
#                  HTTP Basic, which Apicurio exchanges for a token at its OIDC server
#                  (apicurio.authn.basic-client-credentials.enabled); unset: no credentials
#
# Idempotent: an unchanged schema is found, not duplicated; a changed schema
# becomes a new version only if the rules accept it. The registry refuses an
# incompatible change with HTTP 409 and this script then exits non-zero.
# Needs only sh, curl, sed, awk and coreutils (runs in the curlimages/curl image).
#
# ProcessorDirective.avsc uses the enums ChangeKind and DirectiveAction defined
# in ConsentChanged.avsc. Rather than registering it with artifact references,
# the script registers a self-contained version: each named type it uses but
# does not define is inlined (at its first use) from the other .avsc files.
# That is exactly the schema the Avro compiler generates for the Java class, so
# any consumer (Java serdes, Kafka UI via the ccompat API) can read it without
# reference resolution, and schemas/ stays the single source of truth.
set -eu

: "${REGISTRY_URL:?REGISTRY_URL is required, e.g. http://localhost:8080/apis/registry/v3}"
SCHEMAS_DIR=${SCHEMAS_DIR:-schemas}
GROUP_ID=${GROUP_ID:-default}
COMPATIBILITY=${COMPATIBILITY:-BACKWARD}
WAIT_SECONDS=${WAIT_SECONDS:-0}
REGISTRY_URL=${REGISTRY_URL%/}

# topic -> value schema file (the four directive topics share one schema; every consent.receipts.<p>.v1 uses the
# one artifact consent.receipts.v1-value, named in the adapters' serializer configuration)
TOPICS="
consent.change-requests.v1 ConsentChangeRequested.avsc
consent.changes.v1 ConsentChanged.avsc
consent.directives.mailgun.v1 ProcessorDirective.avsc
consent.directives.firebase.v1 ProcessorDirective.avsc
consent.directives.eliq.v1 ProcessorDirective.avsc
consent.directives.addapptr.v1 ProcessorDirective.avsc
consent.receipts.v1 PropagationReceipt.avsc
"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/register-schemas.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# credentials go to curl in a config file (mode 600), never on its command line
umask 077
: > "$TMP/curl.conf"
if [ -n "${REGISTRY_CLIENT_ID:-}" ]; then
  printf 'user = "%s:%s"\n' "$(printf '%s' "$REGISTRY_CLIENT_ID" | sed 's/[\\"]/\\&/g')" \
    "$(printf '%s' "${REGISTRY_CLIENT_SECRET:-}" | sed 's/[\\"]/\\&/g')" > "$TMP/curl.conf"
fi

log() { printf '%s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# call METHOD PATH [BODY_FILE] -> prints the HTTP status; the answer body is in $TMP/out
call() {
  if [ $# -ge 3 ]; then
    curl -sS -K "$TMP/curl.conf" -o "$TMP/out" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
      -H 'Accept: application/json' --data-binary "@$3" "$REGISTRY_URL$2" || echo 000
  else
    curl -sS -K "$TMP/curl.conf" -o "$TMP/out" -w '%{http_code}' -X "$1" -H 'Accept: application/json' \
      "$REGISTRY_URL$2" || echo 000
  fi
}

# 1 if FILE ends with a newline, else 0.
final_newline() { echo $(( $(tail -c 1 "$1" | wc -l) )); }

# Prints FILE with every named type that it references but does not define
# inlined from the other .avsc files in SCHEMAS_DIR (first use only, as Avro requires).
# Every other byte is kept as it is, the final newline (or its absence) too: a file that
# references no other type comes out byte-identical, so whoever registers the file as it
# is finds this version instead of adding a second one.
self_contained() {
  for last; do :; done
  awk -v final_newline="$(final_newline "$last")" '
    FNR == 1 { fi++ }
    { txt[fi] = txt[fi] $0 "\n" }
    END {
      main = txt[fi]
      for (round = 0; round < 20; round++) {
        # a quoted dotted name used as a type (after "type": or in a union/items/values)
        if (!match(main, /"(type|items|values)"[ \t\r\n]*:[ \t\r\n]*"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+"/)) break
        found = 0; s = main; off = 0
        while (match(s, /"(type|items|values)"[ \t\r\n]*:[ \t\r\n]*"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+"/)) {
          tok = substr(s, RSTART, RLENGTH); rs = off + RSTART; rl = RLENGTH
          q = tok; sub(/^"[a-z]+"[ \t\r\n]*:[ \t\r\n]*"/, "", q); sub(/"$/, "", q)
          short = q; sub(/.*\./, "", short)
          if (!defines(main, short)) { found = 1; break }
          off += RSTART + RLENGTH - 1; s = substr(s, RSTART + RLENGTH)
        }
        if (!found) break
        def = ""
        for (i = 1; i < fi && def == ""; i++) def = definition(txt[i], short)
        if (def == "") { print "no definition found for type " q > "/dev/stderr"; exit 2 }
        # replace the quoted name (keeping the key) by the definition
        qpos = rs + rl - length(q) - 2
        main = substr(main, 1, qpos - 1) def substr(main, rs + rl)
      }
      if (!final_newline) main = substr(main, 1, length(main) - 1)
      printf "%s", main
    }
    # true if text defines a named type "name" (record/enum/fixed)
    function defines(text, name,   d) { return definition(text, name) != "" }
    # the JSON object that defines type "name" in text, or ""
    function definition(text, name,   s, off, p, start, depth, i, c, instr, esc, obj) {
      s = text; off = 0
      while (match(s, "\"name\"[ \t\r\n]*:[ \t\r\n]*\"" name "\"")) {
        p = off + RSTART
        # walk back to the opening brace of the enclosing object
        depth = 0; start = 0
        for (i = p - 1; i > 0; i--) {
          c = substr(text, i, 1)
          if (c == "}") depth++
          else if (c == "{") { if (depth == 0) { start = i; break } depth-- }
        }
        if (start > 0) {
          depth = 0; instr = 0; esc = 0
          for (i = start; i <= length(text); i++) {
            c = substr(text, i, 1)
            if (instr) { if (esc) esc = 0; else if (c == "\\") esc = 1; else if (c == "\"") instr = 0; continue }
            if (c == "\"") instr = 1
            else if (c == "{") depth++
            else if (c == "}") { depth--; if (depth == 0) break }
          }
          obj = substr(text, start, i - start + 1)
          # a type definition has a string "type" of record/enum/fixed (a field has a schema)
          if (match(obj, /^\{[^{]*"type"[ \t\r\n]*:[ \t\r\n]*"(record|enum|fixed)"/)) return obj
        }
        off += RSTART + RLENGTH - 1; s = substr(s, RSTART + RLENGTH)
      }
      return ""
    }
  ' "$@"
}

# The exact bytes of a file as a JSON string, with sed and awk only (\ " tab CR newline
# escaped; the final newline kept if the file has one).
json_string() {
  tab=$(printf '\t'); cr=$(printf '\r')
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$tab/\\\\t/g" -e "s/$cr/\\\\r/g" "$1" |
    awk -v final_newline="$(final_newline "$1")" '
      BEGIN { printf "\"" }
      { if (NR > 1) printf "\\n"; printf "%s", $0 }
      END { if (final_newline) printf "\\n"; printf "\"" }'
}

# ensure_rule ARTIFACT TYPE CONFIG: create the rule, or update it if it exists
ensure_rule() {
  printf '{"ruleType":"%s","config":"%s"}' "$2" "$3" > "$TMP/rule.json"
  code=$(call POST "/groups/$GROUP_ID/artifacts/$1/rules" "$TMP/rule.json")
  case $code in
    204|200) log "  rule $2=$3 set" ;;
    409)
      code=$(call PUT "/groups/$GROUP_ID/artifacts/$1/rules/$2" "$TMP/rule.json")
      case $code in 200|204) log "  rule $2=$3 (already present, updated)" ;;
        *) die "updating rule $2 on $1: HTTP $code $(cat "$TMP/out")" ;; esac ;;
    *) die "creating rule $2 on $1: HTTP $code $(cat "$TMP/out")" ;;
  esac
}

# --- wait for the registry
deadline=$(( $(date +%s) + WAIT_SECONDS ))
until code=$(call GET /system/info) && [ "$code" = 200 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || die "registry not reachable at $REGISTRY_URL/system/info (HTTP $code)"
  log "waiting for the registry at $REGISTRY_URL ..."; sleep 3
done

[ -d "$SCHEMAS_DIR" ] || die "SCHEMAS_DIR $SCHEMAS_DIR is not a directory"

# (a here-document, not a pipe: die must end the script, not a subshell)
while read -r topic file; do
  [ -n "$topic" ] || continue
  artifact="$topic-value"
  [ -f "$SCHEMAS_DIR/$file" ] || die "missing schema $SCHEMAS_DIR/$file for $topic"
  log "$artifact <- $file"

  # the file itself first, then the others as possible definitions of referenced types
  others=$(ls "$SCHEMAS_DIR"/*.avsc | grep -v "/$file\$" || true)
  # shellcheck disable=SC2086
  self_contained $others "$SCHEMAS_DIR/$file" > "$TMP/schema.avsc" || die "cannot inline the types used by $file"

  {
    printf '{"artifactId":"%s","artifactType":"AVRO","firstVersion":{"content":{"contentType":"application/json","content":' "$artifact"
    json_string "$TMP/schema.avsc"
    printf '}}}'
  } > "$TMP/create.json"

  # If the artifact exists, make sure its rules are on BEFORE a new version is tried.
  code=$(call GET "/groups/$GROUP_ID/artifacts/$artifact")
  case $code in
    200) existed=1; ensure_rule "$artifact" COMPATIBILITY "$COMPATIBILITY"; ensure_rule "$artifact" VALIDITY FULL ;;
    404) existed=0 ;;
    *) die "reading $artifact: HTTP $code $(cat "$TMP/out")" ;;
  esac

  # Creates the artifact, or finds the identical version, or adds a new version
  # (checked against the rules; an incompatible one is refused with 409).
  code=$(call POST "/groups/$GROUP_ID/artifacts?ifExists=FIND_OR_CREATE_VERSION&canonical=true" "$TMP/create.json")
  case $code in
    200) version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' "$TMP/out")
         log "  version ${version:-?} in force" ;;
    409) die "$artifact: the registry refused the new version of $file (HTTP 409): $(cat "$TMP/out")" ;;
    *)   die "$artifact: HTTP $code $(cat "$TMP/out")" ;;
  esac

  if [ "$existed" = 0 ]; then
    ensure_rule "$artifact" COMPATIBILITY "$COMPATIBILITY"
    ensure_rule "$artifact" VALIDITY FULL
  fi
done <<EOT
$TOPICS
EOT

log "all schemas registered"
