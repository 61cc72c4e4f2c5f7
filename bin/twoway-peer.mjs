#!/usr/bin/env node
// The headless peer's command (package.json `bin`, `npm run peer`): the TypeScript entry through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src/node-peer/peer-main.ts");
