// Test runner configuration: TypeScript tests run from source; integration tests that need a
// real Kafka broker or Redis find them through KAFKA_BROKERS / REDIS_URL (see test/helpers/env.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "detectors/**/*.test.ts", "alerts/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
