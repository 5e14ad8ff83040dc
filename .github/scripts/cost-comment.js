// The pull request's one cost comment: each stack's cost against main, then each stack's
// resource diff against main folded in a <details> block, the whole kept under GitHub's
// 65,536-character comment limit. Run by actions/github-script in pull-request.yml's
// cost-comment job; buildBody is pure so that tests/tools/test_workflows.py can run it.
"use strict";

const fs = require("fs");
const path = require("path");

const MARKER = "<!-- marketplace-cost -->";
// GitHub refuses a comment body over 65,536 characters. Sizes here are UTF-8 bytes, never
// fewer than characters, so a body that fits in bytes fits however GitHub counts.
const LIMIT = 65536;
const FENCE = "```";

/** UTF-8 size of a string, an upper bound of its length in characters. */
function size(text) {
  return Buffer.byteLength(text, "utf8");
}

/** The text of `file`, or `missing` when the job that writes it did not. */
function readOr(file, missing) {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : missing;
}

/**
 * `text` cut at a line end so that it and the note fit in `budget` bytes. A cut inside a
 * fenced block closes the fence, so the </details> after it still renders.
 */
function fit(text, budget, stack) {
  if (size(text) <= budget) {
    return text;
  }
  const lines = text.split("\n");
  const note = (kept) =>
    `\n\n**Cut here:** ${kept} of ${lines.length} lines shown. The whole diff is ` +
    `diff-${stack}.md in the artifact offline-preview-${stack}.`;
  // Room for the note at its longest and for a closing fence.
  const room = budget - size(note(lines.length)) - size(`\n${FENCE}`);
  const kept = [];
  let used = 0;
  for (const line of lines) {
    const cost = size(line) + 1;
    if (used + cost > room) {
      break;
    }
    kept.push(line);
    used += cost;
  }
  let body = kept.join("\n");
  const fences = kept.filter((line) => line.trimStart().startsWith(FENCE)).length;
  if (fences % 2 === 1) {
    body += `\n${FENCE}`;
  }
  return body + note(kept.length);
}

/**
 * The comment body. `costs` and `diffs` map each stack to its Markdown; the diffs share
 * what the heading and costs leave of `limit`, the shortest first so that what one leaves
 * unused goes to the longer ones.
 */
function buildBody({ stacks, costs, diffs, limit = LIMIT }) {
  const head = [
    MARKER,
    "## What this pull request costs a month",
    "Fixed cost at zero traffic and with the traffic assumed in config, " +
      "by policy/cost/prices.csv (docs/cost.md).",
    ...stacks.map((stack) => costs[stack]),
    "## What it changes",
  ].join("\n\n");
  const open = (stack) =>
    `<details><summary>${stack}: resources added, removed and changed versus main` +
    `</summary>\n\n`;
  const close = "\n\n</details>";
  let left = limit - size(head) - stacks.reduce(
    (total, stack) => total + size("\n\n") + size(open(stack)) + size(close), 0);
  const blocks = {};
  const order = [...stacks].sort((a, b) => size(diffs[a]) - size(diffs[b]));
  order.forEach((stack, index) => {
    const share = Math.floor(left / (order.length - index));
    const text = fit(diffs[stack], share, stack);
    blocks[stack] = open(stack) + text + close;
    left -= size(text);
  });
  return [head, ...stacks.map((stack) => blocks[stack])].join("\n\n");
}

/** Builds the body from the downloaded artifacts and creates or edits the one comment. */
async function post({ github, context, stacks, dir }) {
  const costs = {};
  const diffs = {};
  for (const stack of stacks) {
    costs[stack] = readOr(path.join(dir, `cost-${stack}.md`),
                          `### ${stack}\n\nNo cost: the offline preview failed.\n`);
    diffs[stack] = readOr(path.join(dir, `diff-${stack}.md`),
                          "No diff: the offline preview failed.\n");
  }
  const body = buildBody({ stacks, costs, diffs });
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments,
                                         { owner, repo, issue_number });
  const mine = comments.find((c) => c.body && c.body.startsWith(MARKER));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
}

module.exports = post;
module.exports.buildBody = buildBody;
module.exports.LIMIT = LIMIT;
