// The centered card for moments before the shell itself: starting, first run, another tab.
import type { JSX } from "solid-js";
import { BrandMark } from "./brand-mark.tsx";

export function GateCard(props: {
  testId: string;
  state?: string;
  title: string;
  lead?: JSX.Element;
  children?: JSX.Element;
  wide?: boolean;
}): JSX.Element {
  return (
    <main class={`gate ${props.wide ? "gate--wide" : ""}`} data-testid={props.testId} data-state={props.state}>
      <div class="gate__brand">
        <BrandMark size={44} />
        <span class="gate__wordmark">2WAY</span>
      </div>
      <section class="card gate__card">
        <h1 class="gate__title">{props.title}</h1>
        {props.lead !== undefined && <p class="gate__lead">{props.lead}</p>}
        {props.children}
      </section>
    </main>
  );
}
