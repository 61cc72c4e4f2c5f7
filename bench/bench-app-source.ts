// The one-type app both SDK round-trip benches install (in Node and in a real iframe): its manifest
// and schema for `slug`, with the frontend the caller brings.
export function benchAppSource(slug: string, frontend: Record<string, Uint8Array>) {
  return {
    manifest: {
      slug,
      version: "1.0.0",
      composition: "frontend",
      title: "Bench",
      capabilities: [],
      dependencies: [],
      config_keys: [],
      requires: { platform: { min_version: "0.1.0" } },
    },
    schema: {
      app: slug,
      version: "1.0.0",
      types: { [`${slug}.item`]: { kind: "parent", fields: { n: { type: "integer" } } } },
      domains: { items: { types: [`${slug}.item`], mode: "sync" } },
    },
    frontend,
  };
}
