#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft, combined broker + controller) on 127.0.0.1 for
# development and CI, from the Maven Central jars: no Docker, no tarball download.
#
#   scripts/kafka.sh start     resolve jars (cached), format storage once, start, wait until it answers
#   scripts/kafka.sh stop      controlled shutdown (SIGTERM, SIGKILL after KAFKA_STOP_TIMEOUT)
#   scripts/kafka.sh restart   stop then start, keeping the data
#   scripts/kafka.sh status    exit 0 when running, 1 otherwise
#   scripts/kafka.sh wipe      stop and delete this broker's data directory
#   scripts/kafka.sh consumer-groups ARGS...
#                              the broker's own kafka-consumer-groups.sh (ConsumerGroupCommand),
#                              against 127.0.0.1:$KAFKA_PORT; its jar is resolved (cached) on first use
#
# start is idempotent: a running broker is left alone. Every setting comes from the environment, so
# a test can run a second, private broker (KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093) that it may
# stop and restart without disturbing anyone using the default one.
#   KAFKA_VERSION          Apache Kafka version (default 3.9.1, same line as docker-compose.yml)
#   KAFKA_PORT             client listener port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default 9093)
#   KAFKA_DATA_DIR         config, logs and data of this broker (default .kafka/broker-$KAFKA_PORT)
#   KAFKA_CACHE_DIR        resolved jars (default .cache/kafka/$KAFKA_VERSION), reused when present
#   KAFKA_HEAP_OPTS        JVM heap (default -Xmx1g -Xms256m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 120)
#   KAFKA_STOP_TIMEOUT     seconds to wait for a controlled shutdown (default 60)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATES="$ROOT/scripts/kafka"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$ROOT/.kafka/broker-$KAFKA_PORT}"
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka/$KAFKA_VERSION}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1g -Xms256m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"

PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
LOG_FILE="$KAFKA_DATA_DIR/server.log"
CONFIG="$KAFKA_DATA_DIR/server.properties"
LIBS="$KAFKA_CACHE_DIR/libs"

log() { echo "kafka.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid in the pid file, when that process is alive and really is this broker.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONFIG" || return 1
  echo "$pid"
}

resolve_jars() {
  if [[ -f "$KAFKA_CACHE_DIR/.complete" ]]; then return; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch Kafka $KAFKA_VERSION"; exit 1; }
  log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its runtime dependencies into $LIBS"
  local work
  work="$(mktemp -d)"
  sed "s/@KAFKA_VERSION@/$KAFKA_VERSION/" "$TEMPLATES/pom.xml.template" >"$work/pom.xml"
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2
  rm -rf "$work"
  touch "$KAFKA_CACHE_DIR/.complete"
}

# kafka-tools (the admin commands) is not a broker dependency: resolved apart, on first use.
TOOLS_LIBS="$KAFKA_CACHE_DIR/tools-libs"
resolve_tools() {
  resolve_jars
  if [[ -f "$TOOLS_LIBS/.complete" ]]; then return; fi
  log "resolving org.apache.kafka:kafka-tools:$KAFKA_VERSION into $TOOLS_LIBS"
  rm -rf "$TOOLS_LIBS"
  mkdir -p "$TOOLS_LIBS"
  mvn -q -B dependency:copy -Dartifact="org.apache.kafka:kafka-tools:$KAFKA_VERSION" \
    -DoutputDirectory="$TOOLS_LIBS" >&2
  touch "$TOOLS_LIBS/.complete"
}

consumer_groups() {
  resolve_tools
  java -cp "$LIBS/*:$TOOLS_LIBS/*" -Dlog4j.configuration="file:$TEMPLATES/tools-log4j.properties" \
    org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"
}

java_run() {
  java -cp "$LIBS/*" -Dlog4j.configuration="file:$TEMPLATES/log4j.properties" "$@"
}

write_config() {
  mkdir -p "$KAFKA_DATA_DIR/data"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@LOG_DIRS@|$KAFKA_DATA_DIR/data|g" "$TEMPLATES/server.properties.template" >"$CONFIG"
}

format_storage() {
  [[ -f "$KAFKA_DATA_DIR/data/meta.properties" ]] && return
  local cluster_id
  cluster_id="$(java_run kafka.tools.StorageTool random-uuid | tail -n 1)"
  log "formatting storage (cluster id $cluster_id)"
  local out
  # The tool prints the whole broker config; show it only when formatting fails.
  out="$(java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" 2>&1)" || {
    echo "$out" >&2
    exit 1
  }
}

start() {
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
    return
  fi
  if port_open "$KAFKA_PORT"; then
    # Someone else's broker (another checkout, a container): use it rather than fail.
    log "127.0.0.1:$KAFKA_PORT is already served by a process this script did not start; using it"
    return
  fi
  resolve_jars
  write_config
  format_storage
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (data in $KAFKA_DATA_DIR)"
  # setsid: the broker must outlive the shell (and the test runner) that started it. The broker
  # writes its own pid: when this script runs as a process-group leader (a shell with job
  # control), setsid forks, so `$!` would name a parent that exits at once.
  rm -f "$PID_FILE"
  # shellcheck disable=SC2016,SC2086 # $$ is the child's; KAFKA_HEAP_OPTS holds several JVM flags
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -cp "$LIBS/*" -Dlog4j.configuration="file:$TEMPLATES/log4j.properties" \
    kafka.Kafka "$CONFIG" >"$LOG_FILE" 2>&1 </dev/null &
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while [[ ! -s "$PID_FILE" ]] && ((SECONDS < deadline)); do sleep 0.1; done
  while ((SECONDS < deadline)); do
    if ! running_pid >/dev/null; then
      log "broker exited during startup; last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2
      exit 1
    fi
    if grep -q "Kafka Server started" "$LOG_FILE" && port_open "$KAFKA_PORT"; then
      log "ready on 127.0.0.1:$KAFKA_PORT"
      return
    fi
    sleep 0.5
  done
  log "broker did not answer within ${KAFKA_START_TIMEOUT}s; last lines of $LOG_FILE:"
  tail -n 30 "$LOG_FILE" >&2
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running on 127.0.0.1:$KAFKA_PORT"
    rm -f "$PID_FILE"
    return
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "no controlled shutdown after ${KAFKA_STOP_TIMEOUT}s; killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  if pid="$(running_pid)"; then
    echo "running (pid $pid) on 127.0.0.1:$KAFKA_PORT, data in $KAFKA_DATA_DIR"
  elif port_open "$KAFKA_PORT"; then
    echo "127.0.0.1:$KAFKA_PORT is served by a process this script did not start"
  else
    echo "not running"
    return 1
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
restart) stop && start ;;
status) status ;;
wipe) stop && rm -rf "$KAFKA_DATA_DIR" && log "deleted $KAFKA_DATA_DIR" ;;
consumer-groups) shift && consumer_groups "$@" ;;
*)
  echo "usage: $0 start|stop|restart|status|wipe|consumer-groups ARGS..." >&2
  exit 2
  ;;
esac
