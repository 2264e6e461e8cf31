/**
 * Escaping for text that reaches Slack, reusable by every Slack payload (alerts, recoveries,
 * message templates). Attacker-chosen text (agent ids, paths, request ids, detector details that
 * quote them) must never become live formatting, a mention, a link or a fake paragraph:
 * - `slackPlainText` for `plain_text` objects: invisible and display-changing characters shown
 *   escaped (newlines, bidi overrides, zero-width), and `&`, `<`, `>` as entities (Slack decodes
 *   these three in every text object);
 * - `mrkdwnCode` to put such text inside a `mrkdwn` object: the same, as an inline code span, in
 *   which Slack applies no bold/italic/strike, mentions or links; a backtick, which would close
 *   the span, is shown as the look-alike U+02CB. Use it with `verbatim: true` on the object.
 */
import { visibleText } from "../src/events/visible-text.js";

/** `&`, `<`, `>` as the entities Slack expects; nothing else is special in plain_text. */
function escapeEntities(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Attacker-chosen text for a Slack `plain_text` object. */
export function slackPlainText(text: string): string {
  return escapeEntities(visibleText(text));
}

/** Attacker-chosen text as an inline code span inside Slack `mrkdwn` (set `verbatim: true`). */
export function mrkdwnCode(text: string): string {
  const safe = slackPlainText(text).replace(/`/g, "\u02cb");
  return `\`${safe === "" ? " " : safe}\``;
}
