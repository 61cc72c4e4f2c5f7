// Titles and descriptions of the built-in apps, for their package manifests (scripts/release-built-in-apps.ts).
export const BUILT_IN_APP_INFO: Readonly<Record<string, { readonly title: string; readonly description: string }>> = {
  "app.contacts": { title: "Contacts", description: "People you know, and how you know them." },
  "app.messaging": { title: "Messages", description: "Conversations with the people you choose." },
  "app.social": { title: "Social", description: "Posts, comments and reactions among your contacts." },
  "app.market": { title: "Market", description: "Listings, offers and orders between people." },
};
