/**
 * Dead letters: deliveries that will not be attempted again (a 4xx rejection, or the last retry
 * failed), one JSON line each in `dead-letter.jsonl`, with the error code and a sanitised reason.
 * Never a URL, header or credential: the reason is the `DeliveryError` message, and every
 * configured secret is scrubbed from the line (a receiver's error may echo the request). The
 * file is created 0600 in a 0700 directory.
 */
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { scrubSecrets } from "./secret.js";

export interface DeadLetter {
  /** Wall time it was given up. */
  at: string;
  sink: string;
  sinkType: string;
  recordId: string;
  agentId: string;
  code: string;
  reason: string;
  attempts: number;
  status?: number;
}

export interface DeadLetterLog {
  write(letter: DeadLetter): Promise<void>;
}

export class FileDeadLetterLog implements DeadLetterLog {
  #ready: Promise<unknown> | undefined;
  constructor(private readonly path: string) {}

  async write(letter: DeadLetter): Promise<void> {
    this.#ready ??= mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await this.#ready;
    await appendFile(this.path, `${scrubSecrets(JSON.stringify(letter))}\n`, { mode: 0o600 });
  }
}
