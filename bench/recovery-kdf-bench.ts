// The recovery file's key derivation (ADR 0021): how long the person waits for scrypt when they make
// a recovery file and again when they restore, here and in a browser worker. Printed, never asserted.
// The seal module itself, not the core index: the browser bench worker must not pull in Dexie and the rest.
import { deriveRecoveryKeys, RECOVERY_KDF } from "../src/core/key/recovery-seal.ts";

export type KdfRow = {
  readonly label: string;
  readonly n: number;
  readonly mebibytes: number;
  readonly medianMs: number;
  readonly runs: number;
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median wall time of one derivation at the shipped parameters, and at the bounds a restore accepts. */
export async function measureRecoveryKdf(runs = 3): Promise<KdfRow[]> {
  const settings = [
    { label: "smallest a restore accepts", n: 2 ** 14 },
    { label: "shipped (RECOVERY_KDF)", n: RECOVERY_KDF.n },
    { label: "next step up", n: 2 ** 17 },
  ];
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const rows: KdfRow[] = [];
  for (const { label, n } of settings) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await deriveRecoveryKeys("a passphrase for the bench", salt, { n, r: RECOVERY_KDF.r, p: RECOVERY_KDF.p });
      times.push(performance.now() - start);
    }
    rows.push({ label, n, mebibytes: (128 * RECOVERY_KDF.r * n) / 2 ** 20, medianMs: median(times), runs });
  }
  return rows;
}

export function formatKdfRows(title: string, rows: readonly KdfRow[]): string {
  const lines = [`\nRecovery key derivation, scrypt r=${RECOVERY_KDF.r} p=${RECOVERY_KDF.p} — ${title}`];
  lines.push(`${"setting".padEnd(30)}${"N".padStart(9)}${"memory".padStart(10)}${"median ms".padStart(11)}${"runs".padStart(6)}`);
  for (const r of rows)
    lines.push(
      `${r.label.padEnd(30)}${String(r.n).padStart(9)}${`${r.mebibytes} MiB`.padStart(10)}${r.medianMs.toFixed(0).padStart(11)}${String(r.runs).padStart(6)}`,
    );
  const shipped = rows.find((r) => r.n === RECOVERY_KDF.n);
  if (shipped !== undefined) {
    // One guess costs the attacker one derivation: the same memory, and this time on one core of this machine.
    const guessesPerCoreYear = (365 * 24 * 3600 * 1000) / shipped.medianMs;
    lines.push(
      `  attacker: ${shipped.mebibytes} MiB and ~${shipped.medianMs.toFixed(0)} ms per guess here (${guessesPerCoreYear.toExponential(1)} guesses per core-year in JS; ` +
        `native scrypt is ~5-10x faster, so a 40-bit passphrase costs ~${(2 ** 40 / guessesPerCoreYear / 10).toExponential(1)} core-years at 10x)`,
    );
  }
  return lines.join("\n");
}
