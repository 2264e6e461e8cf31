/**
 * Line sources at the input edge: whole files or stdin (replay), and files followed like
 * `tail -F` (run). Both feed raw chunks to a LineSplitter; everything after that is synchronous.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

/** Where raw chunks go: a LineSplitter, or one wrapped with instrumentation. */
export interface ChunkSink {
  push(chunk: Buffer): void;
  /** The input ended: flush a last line without a newline. */
  end(): void;
}

/** `-` means standard input. */
export function openInput(path: string): Readable {
  return path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Pumps a stream through the splitter until it ends. */
export async function drain(stream: Readable, splitter: ChunkSink): Promise<void> {
  for await (const chunk of stream) splitter.push(chunk as Buffer);
  splitter.end();
}

export interface FollowOptions {
  /** How often to look for new bytes, rotation or truncation. */
  pollIntervalMs: number;
  /** Start at the end of the file (like `tail -F`) instead of the beginning. */
  fromEnd: boolean;
  signal: AbortSignal;
}

/**
 * Follows a file across appends, truncation and rotation (new inode at the same path) until
 * `signal` aborts. Polling rather than fs.watch: it behaves the same on every filesystem,
 * including network mounts and container overlay filesystems where inotify misses events.
 */
export async function followFile(path: string, splitter: ChunkSink, options: FollowOptions): Promise<void> {
  let position = -1;
  let inode = -1;
  const buffer = Buffer.allocUnsafe(1 << 20);
  while (!options.signal.aborted) {
    const info = await stat(path).catch(() => undefined);
    if (info) {
      if (info.ino !== inode) {
        // First sight or rotation: a rotated-in file is read from its start.
        position = inode === -1 && options.fromEnd ? info.size : 0;
        inode = info.ino;
      } else if (info.size < position) {
        position = 0; // truncated in place (copytruncate)
      }
      if (info.size > position) {
        const handle = await open(path, "r");
        try {
          let read = 0;
          do {
            ({ bytesRead: read } = await handle.read(buffer, 0, buffer.length, position));
            position += read;
            if (read > 0) splitter.push(buffer.subarray(0, read));
          } while (read > 0 && !options.signal.aborted);
        } finally {
          await handle.close();
        }
      }
    }
    // Rejects with AbortError when stopped: that just ends the loop.
    await sleep(options.pollIntervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  splitter.end();
}
