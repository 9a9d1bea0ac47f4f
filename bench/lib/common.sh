# Shared helpers for the bench/ scripts: Postfix as a virtual-alias forwarder, smtp-sink counting,
# and a published MailTumble. Everything listens on 127.0.0.1 only.
set -euo pipefail

BENCH_ROOT=${BENCH_ROOT:-/tmp/mailtumble-bench}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ALIAS=x7g2@mask.example.com
TARGET=john@real.example.org

ensure_tools() {
  local need=()
  command -v smtp-source >/dev/null || need+=(postfix)
  command -v swaks >/dev/null || need+=(swaks)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  # The packaged instance may have started on port 25; it is not used here.
  postfix status >/dev/null 2>&1 && postfix stop >/dev/null 2>&1 || true
}

now() { date +%s.%N; }

# sink_start NAME PORT [extra smtp-sink args...]: a counting smtp-sink; its count is read with sink_count NAME.
sink_start() {
  local name=$1 port=$2; shift 2
  mkdir -p "$BENCH_ROOT"
  : > "$BENCH_ROOT/$name.sink"
  smtp-sink -u postfix -c "$@" "127.0.0.1:$port" 1024 > "$BENCH_ROOT/$name.sink" 2>&1 &
  echo $! > "$BENCH_ROOT/$name.sink.pid"
  sleep 0.3
}

sink_count() {
  local n
  n=$(tr '\r' '\n' < "$BENCH_ROOT/$1.sink" | grep -Eo 'mesg=[0-9]+' | tail -n1 | cut -d= -f2)
  echo "${n:-0}"
}

sink_stop() { [ -f "$BENCH_ROOT/$1.sink.pid" ] && { kill "$(cat "$BENCH_ROOT/$1.sink.pid")" 2>/dev/null || true; }; rm -f "$BENCH_ROOT/$1.sink.pid"; return 0; }

# wait_count NAME N TIMEOUT: waits until the sink NAME counted N messages; prints the time it happened.
wait_count() {
  local name=$1 want=$2 timeout=$3 start
  start=$(now)
  while [ "$(sink_count "$name")" -lt "$want" ]; do
    if awk -v s="$start" -v t="$timeout" -v n="$(now)" 'BEGIN{exit !(n-s>t)}'; then
      echo "timeout: $name got $(sink_count "$name") of $want" >&2
      return 1
    fi
    sleep 0.05
  done
  now
}

# postfix_start PORT RELAY_PORT [extra main.cf lines...]: a private Postfix instance that forwards
# $ALIAS to $TARGET (virtual alias) through [127.0.0.1]:RELAY_PORT.
postfix_start() {
  local port=$1 relay=$2; shift 2
  local base=$BENCH_ROOT/postfix
  postfix_stop
  rm -rf "$base"
  mkdir -p "$base/etc" "$base/spool" "$base/data"
  chown postfix "$base/data"
  printf '%s %s\n' "$ALIAS" "$TARGET" > "$base/etc/virtual"
  cat > "$base/etc/main.cf" <<EOC
compatibility_level = 3.6
meta_directory = $(postconf -h meta_directory)
shlib_directory = $(postconf -h shlib_directory)
daemon_directory = $(postconf -h daemon_directory)
command_directory = $(postconf -h command_directory)
queue_directory = $base/spool
data_directory = $base/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
virtual_alias_domains = mask.example.com
virtual_alias_maps = texthash:$base/etc/virtual
relayhost = [127.0.0.1]:$relay
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file_prefixes = $base
maillog_file = $base/maillog
EOC
  for line in "$@"; do echo "$line" >> "$base/etc/main.cf"; done
  cat > "$base/etc/master.cf" <<EOC
127.0.0.1:$port inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
virtual   unix - n n - - virtual
lmtp      unix - - n - - lmtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOC
  postfix -c "$base/etc" set-permissions >/dev/null 2>&1 || true
  # Postfix reports start-up errors to syslog only; a pseudo-terminal makes it print them too.
  script -qc "postfix -c $base/etc start" /dev/null > "$base/start.log" 2>&1 || true
  grep -q fatal "$base/start.log" && { echo "postfix did not start:" >&2; cat "$base/start.log" >&2; return 1; }
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
  echo "postfix is not listening on $port" >&2; return 1
}

postfix_stop() {
  local base=$BENCH_ROOT/postfix
  [ -f "$base/etc/main.cf" ] && postfix -c "$base/etc" stop >/dev/null 2>&1 || true
}

# mailtumble_publish: a Release build under $BENCH_ROOT/app.
mailtumble_publish() {
  dotnet publish "$REPO/src/MailTumble" -c Release -o "$BENCH_ROOT/app" --nologo -v quiet >/dev/null
}

# The relay instance's directory: MT_INSTANCE names it (default mailtumble), so a bench can run two side by side.
mt_dir() { echo "$BENCH_ROOT/${MT_INSTANCE:-mailtumble}"; }

# mailtumble_start SMTP_PORT RELAY_PORT [VAR=VALUE...]: fresh data dir, alias added, relay started.
# With KEEP_DATA=1 the data dir (and its queue) is kept; MT_JSON, if set, is written as its mailtumble.json
# (for settings whose names have dots, which environment variables cannot carry).
mailtumble_start() {
  local port=$1 relay=$2; shift 2
  local dir
  dir=$(mt_dir)
  mailtumble_stop
  if [ "${KEEP_DATA:-0}" != 1 ]; then rm -rf "$dir"; fi
  mkdir -p "$dir"
  if [ -n "${MT_JSON:-}" ]; then printf '%s\n' "$MT_JSON" > "$dir/mailtumble.json"; fi
  : > "$dir/serve.log"
  (
    cd "$dir"
    export MailTumble__DataDir="$dir/data" MailTumble__Smtp__Listen="127.0.0.1:$port" MailTumble__Api__Listen="127.0.0.1:0"
    export MailTumble__Outbound__Smtp__Host=127.0.0.1 MailTumble__Outbound__Smtp__Port="$relay"
    export Logging__LogLevel__Default=Warning
    for kv in "$@"; do export "${kv?}"; done
    dotnet "$BENCH_ROOT/app/mailtumble.dll" alias add "$ALIAS" "$TARGET" >/dev/null
    dotnet "$BENCH_ROOT/app/mailtumble.dll" serve > "$dir/serve.log" 2>&1 &
    echo $! > "$dir/pid"
  )
  for _ in $(seq 100); do grep -q "MailTumble is running" "$dir/serve.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "mailtumble did not start:" >&2; cat "$dir/serve.log" >&2; return 1
}

mailtumble_stop() {
  local pid
  pid=$(mt_dir)/pid
  if [ -f "$pid" ]; then
    kill "$(cat "$pid")" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$(cat "$pid")" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pid"
  fi
}

# mailtumble_depth: messages still queued (from the SQLite file of the running bench relay).
mailtumble_depth() {
  (cd "$(mt_dir)" && MailTumble__DataDir="$(mt_dir)/data" Logging__LogLevel__Default=Warning \
    dotnet "$BENCH_ROOT/app/mailtumble.dll" queue stats | awk '/^depth/ {print $2}')
}

# provider_start NAME PORT [sink options...]: the rate-limiting provider stand-in (bench/MailTumble.Bench.Sink).
provider_start() {
  local name=$1 port=$2; shift 2
  provider_stop "$name"
  dotnet "$BENCH_ROOT/sink/MailTumble.Bench.Sink.dll" --listen "127.0.0.1:$port" --log "$BENCH_ROOT/$name.log" "$@" \
    > "$BENCH_ROOT/$name.out" 2>&1 &
  echo $! > "$BENCH_ROOT/$name.pid"
  for _ in $(seq 100); do grep -q "sink listening" "$BENCH_ROOT/$name.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "provider sink did not start" >&2; cat "$BENCH_ROOT/$name.out" >&2; return 1
}

provider_stop() { [ -f "$BENCH_ROOT/$1.pid" ] && { kill "$(cat "$BENCH_ROOT/$1.pid")" 2>/dev/null || true; }; rm -f "$BENCH_ROOT/$1.pid"; return 0; }

provider_accepted() { local n; n=$(grep -c '^A ' "$BENCH_ROOT/$1.log" 2>/dev/null); echo "${n:-0}"; }
provider_throttled() { local n; n=$(grep -c '^T ' "$BENCH_ROOT/$1.log" 2>/dev/null); echo "${n:-0}"; }

# provider_wait NAME N TIMEOUT: waits for N accepted messages; false on timeout.
provider_wait() {
  local name=$1 want=$2 timeout=$3 start
  start=$(now)
  while [ "$(provider_accepted "$name")" -lt "$want" ]; do
    awk -v s="$start" -v t="$timeout" -v n="$(now)" 'BEGIN{exit !(n-s>t)}' && return 1
    sleep 0.2
  done
}

# provider_report NAME: "steady_rate max_in_any_1s_window first_ms last_ms" over accepted messages.
provider_report() {
  grep '^A ' "$BENCH_ROOT/$1.log" | awk '{print $2}' | sort -n | awk '
    { t[NR] = $1 }
    END {
      if (NR < 2) { print "0 0 0 0"; exit }
      j = 1; max = 0
      for (i = 1; i <= NR; i++) { while (t[i] - t[j] >= 1000) j++; if (i - j + 1 > max) max = i - j + 1 }
      printf "%.2f %d %d %d\n", (NR - 1) * 1000 / (t[NR] - t[1]), max, t[1], t[NR]
    }'
}

bench_publish() {
  mailtumble_publish
  dotnet publish "$REPO/bench/MailTumble.Bench.Sink" -c Release -o "$BENCH_ROOT/sink" --nologo -v quiet >/dev/null
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Process figures from /proc: CPU time (user + system) in ms, resident set and its peak in MB.
CLK_TCK=$(getconf CLK_TCK)
proc_cpu_ms() { awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$1/stat"; }
proc_rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
proc_hwm_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
mailtumble_pid() { cat "$BENCH_ROOT/mailtumble/pid"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
rate() { awk -v n="$1" -v s="$2" -v e="$3" 'BEGIN{ printf "%.0f", n / (e - s) }'; }
