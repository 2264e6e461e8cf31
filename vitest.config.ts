// Test runner configuration: TypeScript tests run from source; integration tests that need a
// real Kafka broker or Redis find them through KAFKA_BROKERS / REDIS_URL, and test/global-setup.ts
// starts the local ones first when they are down and this machine can run them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "detectors/**/*.test.ts", "alerts/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
  },
});
