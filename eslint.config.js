// One lint pass for every realm: type-checked TypeScript rules, Solid rules for the shell, and the
// import boundaries of STYLE.md (principles 1 and 3).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import solid from "eslint-plugin-solid/configs/typescript";
import globals from "globals";

const managerBoundary = {
  // STYLE principle 1: another manager only through its index.ts; shared/ holds small named modules.
  regex: "^\\.\\./(?!shared/)[a-z-]+/(?!index\\.ts$)",
  message: "Import another core module only through its index.ts (STYLE principle 1).",
};

// Issue 11, DESIGN D5: every IndexedDB database the node keeps is opened and queried in src/core/storage/.
// Tests may reach the disk directly, as an attacker would (log-manager.test.ts, key-manager.test.ts).
const dexieConfined = {
  name: "dexie",
  message: "Only src/core/storage/ touches Dexie: use what src/core/storage/index.ts exports.",
};

// ADR 0022: the node database on SQLite is opened and queried only in its adapter, src/node-peer/storage/.
const sqliteConfined = {
  name: "better-sqlite3",
  message: "Only src/node-peer/storage/ touches better-sqlite3: use what its index.ts exports.",
};

const corePatterns = [
  managerBoundary,
  { regex: "(^|/)(ui|rpc|apps)(/|$)", message: "The core never imports the shell, rpc or apps (STYLE principle 3)." },
  { regex: "^node:", message: "The core runs in browsers too: no Node built-ins." },
  { regex: "^(solid-js|comlink|simple-peer|workbox-window)", message: "The core has no UI or transport-host dependencies." },
];

export default tseslint.config(
  // examples/*/frontend/ holds bundles built from examples/*/src (npm run build-example).
  { ignores: ["dist/**", "dev-dist/**", "node_modules/**", "e2e/artifacts/**", "coverage/**", "public/**", "examples/*/frontend/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": ["error", { selector: "TSEnumDeclaration", message: "Use an `as const` object instead of an enum (STYLE)." }],
    },
  },
  {
    // Everywhere else; the realm blocks below replace this rule's options, so each repeats dexieConfined.
    files: ["**/*.{ts,tsx,js,mjs}"],
    // The side-by-side bench measures Dexie's own bulkPut ceiling, so it names Dexie on purpose.
    ignores: ["src/core/storage/**", "**/*.test.ts", "bench/side-by-side/raw-idb.worker.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [dexieConfined, sqliteConfined] }] },
  },
  {
    files: ["src/core/**/*.ts"],
    ignores: ["src/core/**/*.test.ts", "src/core/**/test-support/**"],
    rules: { "no-restricted-imports": ["error", { patterns: corePatterns, paths: [dexieConfined, sqliteConfined] }] },
  },
  {
    // The storage module is where Dexie lives.
    files: ["src/core/storage/**/*.ts"],
    ignores: ["src/core/**/*.test.ts", "src/core/**/test-support/**"],
    rules: { "no-restricted-imports": ["error", { patterns: corePatterns, paths: [sqliteConfined] }] },
  },
  {
    // The SQLite adapter of the node database is where better-sqlite3 lives (ADR 0022).
    files: ["src/node-peer/storage/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [dexieConfined] }] },
  },
  {
    files: ["src/core/**/*.test.ts", "src/core/storage/test-support/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [managerBoundary] }] },
  },
  {
    files: ["src/core/**/test-support/**"],
    ignores: ["src/core/storage/test-support/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [managerBoundary], paths: [dexieConfined] }] },
  },
  {
    // Tests build malformed, untyped input on purpose: `any` is how they break one rule at a time.
    files: ["**/*.test.ts", "**/test-support/**", "e2e/**", "bench/**"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["src/ui/**/*.{ts,tsx}"],
    ...solid,
  },
  {
    files: ["src/ui/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)core/(?!shared/(result|errors)\\.ts$)",
              message: "The shell reaches the node only through src/rpc contracts (STYLE principle 3).",
            },
          ],
          paths: [dexieConfined, sqliteConfined],
        },
      ],
    },
  },
  {
    files: ["workers/**/*.ts"],
    // Tests may build nodes with the core's test fixtures; the host code may not reach inside.
    ignores: ["workers/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ regex: "(^|/)core/(?!index\\.ts$)", message: "The worker host enters the core only through src/core/index.ts." }],
          paths: [dexieConfined, sqliteConfined],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
