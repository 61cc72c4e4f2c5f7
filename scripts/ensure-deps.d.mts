// Types for ensure-deps.mjs, so TypeScript callers (e2e/run.ts) can import it.
export declare const ROOT: string;
export declare const CHROMIUM_PATH: string;
export declare function depsAreStale(root?: string): boolean;
export declare function ensureDeps(root?: string): void;
export declare function ensureChromium(): void;
