import type { ExchangeOutput } from "./exchange-ports.js";
import type { ExecutionGraph } from "./graph.js";

/** Ends each exchange edge's senders once every source and edge upstream of them has ended. */
export class ExchangeEnds {
  private readonly sources = new Set<string>();
  private readonly edges = new Set<number>();
  private readonly done = new Set<number>();

  constructor(
    private readonly graph: ExecutionGraph,
    /** Index = edge id. */
    private readonly senders: readonly ExchangeOutput[],
  ) {}

  sourceEnded(name: string): void {
    this.sources.add(name);
    this.update();
  }

  edgeEnded(edge: number): void {
    this.edges.add(edge);
    this.update();
  }

  /** Ends what can end now (at start: edges with nothing upstream). */
  update(): void {
    this.senders.forEach((sender, edge) => {
      if (this.done.has(edge)) return;
      const up = this.graph.upstreamOf(edge);
      if (!up.sources.every((s) => this.sources.has(s)) || !up.edges.every((e) => this.edges.has(e))) return;
      this.done.add(edge);
      sender.end();
    });
  }
}
