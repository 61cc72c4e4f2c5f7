// Issue 17's "done when" lines, gathered as the benches measure them and printed together at the end
// of `npm run bench`, each with its target, its ratio to the target and the load average beside it,
// so one run's closing table can be quoted as it is. A figure not measured prints as "not measured".
import { loadavg } from "node:os";

type Goal = { label: string; value: number; target: number; atLeast: boolean; unit: string; load: string; note: string };

const measured = new Map<string, Goal>();

const currentLoad = (): string =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");

/** Records a figure that must reach `target` ("≥"), e.g. a ratio against Jazz. */
export function goalAtLeast(label: string, value: number, target: number, unit = "×", note = ""): void {
  measured.set(label, { label, value, target, atLeast: true, unit, load: currentLoad(), note });
}

/** Records a figure that must stay at or under `target` ("≤"), e.g. a latency. */
export function goalAtMost(label: string, value: number, target: number, unit: string, note = ""): void {
  measured.set(label, { label, value, target, atLeast: false, unit, load: currentLoad(), note });
}

/** The order of the issue's lines; each bench records under one of these labels. */
export const GOALS = [
  "ingest / Jazz peer stored",
  "local writes / Jazz create+persist",
  "WebRTC sync / ingest",
  "WebRTC sync / ingest, CPU hogs beside",
  "ingest / raw bulkPut",
  "ingest at large store / at 1k stored",
  "single write p50",
  "single write p99",
  "cold start, large store",
  "worker heap, large store",
  "ACL decision 1,000 grants / 10",
] as const;

const format = (n: number, unit: string): string => (unit === "×" ? `${n.toFixed(2)}×` : `${n.toFixed(n < 10 ? 1 : 0)} ${unit}`);

export function formatGoals(): string {
  const lines = ["\nIssue 17, done when — this run (load average 1/5/15 min at each figure)"];
  for (const label of GOALS) {
    const goal = measured.get(label);
    if (goal === undefined) {
      lines.push(`  ${label.padEnd(40)}not measured`);
      continue;
    }
    const met = goal.atLeast ? goal.value >= goal.target : goal.value <= goal.target;
    const ratio = goal.atLeast ? goal.value / goal.target : goal.target / goal.value;
    lines.push(
      `  ${label.padEnd(40)}${format(goal.value, goal.unit).padStart(10)}  goal ${goal.atLeast ? "≥" : "≤"} ${format(goal.target, goal.unit).padEnd(9)}` +
        `${met ? "met    " : "NOT met"}  (${ratio.toFixed(2)} of the goal; load ${goal.load})${goal.note ? `  ${goal.note}` : ""}`,
    );
  }
  return lines.join("\n");
}
