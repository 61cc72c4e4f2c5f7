// The schema documents of the four built-in apps (DESIGN D8: installed through the same path as any
// package). The core never imports this folder; whoever installs built-ins passes these documents in.
export { contactsSchema } from "./contacts/schema.ts";
export { messagingSchema } from "./messaging/schema.ts";
export { socialSchema } from "./social/schema.ts";
export { marketSchema } from "./market/schema.ts";

import { contactsSchema } from "./contacts/schema.ts";
import { marketSchema } from "./market/schema.ts";
import { messagingSchema } from "./messaging/schema.ts";
import { socialSchema } from "./social/schema.ts";

export const BUILT_IN_APP_SCHEMAS = [contactsSchema, messagingSchema, socialSchema, marketSchema] as const;
