#!/usr/bin/env bash
# Coverage-guided fuzzing of every carrier's webhook verifier and parser, and of the rule parser, for
# a bounded time each (the @FuzzTest maxDuration, 30 s). Jazzer fuzzes one target per JVM, so each target
# is its own Maven run. Findings are written beside the seeds (src/test/resources/.../<Class>Inputs/<method>)
# and replayed by every later `mvn verify`; the summary lists executions per target from Jazzer's last status.
# The corpus Jazzer grows goes to <module>/.cifuzz-corpus (git-ignored); later local `mvn verify` runs replay
# it too, so remove it to go back to the committed seeds alone.
#   bench/fuzz.sh                  every target
#   bench/fuzz.sh twilio           the targets of one module (core, twilio, whatsapp, ...)
set -uo pipefail
cd "$(dirname "$0")/.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME

targets=(
  "core core RuleParserFuzzTest#anyJson"
  "twilio carriers/twilio TwilioWebhookFuzzTest#signedForm"
  "twilio carriers/twilio TwilioWebhookFuzzTest#anySignature"
  "whatsapp carriers/whatsapp WhatsAppWebhookFuzzTest#signedBody"
  "whatsapp carriers/whatsapp WhatsAppWebhookFuzzTest#anySignature"
  "livechat carriers/livechat LiveChatWebhookFuzzTest#authenticatedBody"
  "livechat carriers/livechat LiveChatWebhookFuzzTest#anyBody"
  "messagebird carriers/messagebird MessageBirdWebhookFuzzTest#signedBody"
  "messagebird carriers/messagebird MessageBirdWebhookFuzzTest#anyToken"
  "bandwidth carriers/bandwidth BandwidthWebhookFuzzTest#authenticatedBody"
  "bandwidth carriers/bandwidth BandwidthWebhookFuzzTest#anyAuthorization"
  "inteliquent carriers/inteliquent InteliquentWebhookFuzzTest#signedBody"
  "inteliquent carriers/inteliquent InteliquentWebhookFuzzTest#anyHeaders"
)

logs=$(mktemp -d)
failed=0
for entry in "${targets[@]}"; do
  read -r name module test <<<"$entry"
  [[ $# -gt 0 && "$1" != "$name" ]] && continue
  log="$logs/${test//[#]/-}.log"
  echo "fuzzing $test ..."
  if ! mvn -B -ntp -o -Pfuzz -pl "$module" -am verify -Dspotless.check.skip=true \
      -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1; then
    echo "  FINDING or failure: see $log"
    failed=1
  fi
  # libFuzzer's status lines: "#<execs> ... exec/s: <n>"; the last one is the run's total.
  last=$(grep -aoE '#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE).*exec/s: [0-9]+' "$log" | tail -1)
  echo "  ${last:-no libFuzzer status found (see $log)}"
done
exit $failed
