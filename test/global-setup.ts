/**
 * Runs once before the test suite: starts the services the integration tests need when they are
 * not already running and this machine can run them, so that a new user's one command, `npm test`,
 * runs the whole suite. The Kafka broker comes from scripts/kafka.sh (Java and Maven needed; the
 * broker outlives the run, so the next run starts at once); Redis from a local `redis-server`
 * binary. Where neither can start, nothing is done here: the tests that need the service skip
 * loudly on a laptop and fail under CI (test/kafka/helpers/broker.ts, test/api/redis-env.ts).
 */
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** True when something accepts TCP connections on host:port within a second. */
function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** Starts the default local broker when tests would use it and it is down. */
async function ensureKafka(): Promise<void> {
  // A broker named by the user is theirs to run; only the default local one is started here.
  if (process.env.KAFKA_BROKERS && process.env.KAFKA_BROKERS !== "127.0.0.1:9092") return;
  if (await portOpen("127.0.0.1", 9092)) return;
  if (!hasCommand("java") || !hasCommand("mvn")) {
    console.warn("\n*** Kafka is not running and Java/Maven are missing: Kafka tests will skip ***\n");
    return;
  }
  console.warn("global setup: starting the test Kafka broker (scripts/kafka.sh start)");
  const result = spawnSync("bash", ["scripts/kafka.sh", "start"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0)
    console.warn("\n*** scripts/kafka.sh start failed: Kafka tests will skip (or fail under CI) ***\n");
}

/** Starts a throwaway local Redis (no persistence) when tests would use it and it is down. */
async function ensureRedis(): Promise<void> {
  if (process.env.REDIS_URL) return;
  if (await portOpen("127.0.0.1", 6379)) return;
  if (!hasCommand("redis-server")) {
    console.warn("\n*** Redis is not running and redis-server is missing: Redis tests will skip ***\n");
    return;
  }
  console.warn("global setup: starting redis-server on 127.0.0.1:6379");
  spawnSync(
    "redis-server",
    ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"],
    { stdio: "inherit" },
  );
  for (let i = 0; i < 50 && !(await portOpen("127.0.0.1", 6379)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export default async function setup(): Promise<void> {
  await Promise.all([ensureKafka(), ensureRedis()]);
}
