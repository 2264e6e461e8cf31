/**
 * Topic checks at startup against the real broker: internal topics are created with the input's
 * partition count and a compacted changelog; a missing input topic or a changelog that does not
 * line up with the detection topic stops startup with a config error.
 */
import { afterAll, describe, expect, it } from "vitest";
import { kafkaOptionsSchema, topicNames } from "../../src/kafka/options.js";
import { ensureTopics } from "../../src/kafka/topics.js";
import {
  BROKERS,
  createTopic,
  deleteTopicsWithPrefix,
  kafkaAvailable,
  testKafka,
  uniqueName,
} from "./helpers/broker.js";

const available = await kafkaAvailable();

describe.skipIf(!available)("ensureTopics (real broker)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-topics");
  afterAll(() => deleteTopicsWithPrefix(kafka, prefix));

  const optionsFor = (name: string, extra: Record<string, unknown> = {}) =>
    kafkaOptionsSchema.parse({
      brokers: BROKERS,
      inputTopic: `${prefix}.${name}.in`,
      topicPrefix: `${prefix}.${name}`,
      ...extra,
    });

  it("creates the internal topics, the changelog compacted, co-partitioned with the input", async () => {
    const options = optionsFor("ok");
    const names = topicNames(options);
    await createTopic(kafka, names.input, 4);
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await ensureTopics(admin, options, names)).toEqual({ input: 4, detect: 4 });
      // A second instance starting later finds them and agrees.
      expect(await ensureTopics(admin, options, names)).toEqual({ input: 4, detect: 4 });
      const { topics } = await admin.fetchTopicMetadata({
        topics: [names.changelog, names.repartition as string],
      });
      expect(topics.map((t) => t.partitions.length)).toEqual([4, 4]);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: names.changelog, configNames: ["cleanup.policy"] }],
      });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe("compact");
    } finally {
      await admin.disconnect();
    }
  });

  it("refuses a missing input topic and a changelog with the wrong partition count", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const missing = optionsFor("missing");
      await expect(ensureTopics(admin, missing, topicNames(missing))).rejects.toMatchObject({
        code: "INVALID_CONFIG",
      });

      const skewed = optionsFor("skewed");
      const names = topicNames(skewed);
      await createTopic(kafka, names.input, 3);
      await createTopic(kafka, names.changelog, 2);
      await expect(ensureTopics(admin, skewed, names)).rejects.toThrow(/2 partitions but .* has 3/);

      const noCreate = optionsFor("nocreate", { createTopics: false });
      await createTopic(kafka, topicNames(noCreate).input, 1);
      await expect(ensureTopics(admin, noCreate, topicNames(noCreate))).rejects.toThrow(
        /createTopics is false/,
      );
    } finally {
      await admin.disconnect();
    }
  });
});
