import type { TlsSetting } from "../../contract/tls/files.js";
import type { Dataflow } from "../../engine/dataflow.js";
import type { InputHooks, TaskExchanges } from "../../engine/exchange-ports.js";
import type { ExchangeEdge, ExecutionGraph, Outputs } from "../../engine/graph.js";
import { ProjectingKeyBy } from "../../operators/projecting-key-by.js";
import { ExchangeReceiver, Inbox } from "../exchange/inbound.js";
import { InboundConnection, LocalLink, ServedLink } from "../exchange/links.js";
import { ExchangeSender, type Link, OutboundChannel } from "../exchange/outbound.js";
import { Partitioner } from "../exchange/partitioner.js";
import type { ExchangeServer, Outbox } from "../exchange/server.js";

export interface ExchangeSettings {
  jobName: string;
  attempt: number;
  subtask: number;
  /** Exchange address of each subtask's worker. */
  peers: string[];
  maxParallelism: number;
  credits: number;
  channelBufferRows: number;
  frameRows: number;
  tls: TlsSetting;
}

/**
 * Every exchange edge of one subtask's attempt, wired into its dataflow: a receiver per edge
 * feeding the operator input, a sender per edge reading the edge's stream, and the links between
 * them: in memory to this subtask, served to remote receivers, pulled from remote senders.
 */
export class SubtaskExchanges implements TaskExchanges {
  readonly receivers = new Map<number, ExchangeReceiver>();
  readonly senders: ExchangeSender[];
  readonly inbox: Inbox;
  private readonly outbox: Outbox;
  private readonly served: ServedLink[] = [];
  private readonly inbound: InboundConnection[] = [];

  constructor(
    graph: ExecutionGraph,
    flow: Dataflow,
    private readonly server: ExchangeServer,
    s: ExchangeSettings,
    hooks: (outputs: Outputs) => InputHooks,
    fail: (err: Error) => void,
  ) {
    const plan = graph.plan;
    const parallelism = s.peers.length;
    // An edge into a ProjectingKeyBy carries what it passes on (fewer columns, partial
    // aggregates): the senders project, and the operator takes what arrives as it is.
    const projecting = graph.edges.map((edge) => {
      const op = flow.operator(edge.target);
      if (!(op instanceof ProjectingKeyBy) || !op.projectsAcross(parallelism)) return null;
      op.receivesProjected();
      return op;
    });
    const edgeSchema = (edge: ExchangeEdge) =>
      projecting[edge.id]?.output.schema ?? plan.streams.get(edge.stream)!.schema;
    for (const edge of graph.edges) {
      const target = plan.operators.find((o) => o.id === edge.target)!;
      const schema = edgeSchema(edge);
      const port = flow.inputPort(edge.target, edge.input);
      this.receivers.set(
        edge.id,
        new ExchangeReceiver(edge.id, schema, parallelism, port, hooks(graph.outputsOf(target.output))),
      );
    }
    this.inbox = new Inbox(s.jobName, s.attempt, this.receivers, s.credits, fail);
    const channels: OutboundChannel[][] = graph.edges.map(() => []);
    const links: Link[] = s.peers.map((_, dst) => {
      const channel = (edge: number) => channels[edge][dst];
      if (dst === s.subtask) return new LocalLink(this.inbox, s.subtask, channel);
      const link = new ServedLink(dst, graph.edges.length, channel, fail);
      this.served.push(link);
      return link;
    });
    this.senders = graph.edges.map((edge) => {
      const chans = links.map((link) => new OutboundChannel(edge.id, link, s.channelBufferRows));
      channels[edge.id] = chans;
      const partitioner = new Partitioner(edge.partitioning, edgeSchema(edge), parallelism, s.maxParallelism);
      const sender = new ExchangeSender(edge.id, partitioner, chans, s.frameRows, projecting[edge.id] ?? undefined);
      flow.connect(edge.stream, sender);
      chans[s.subtask].grant(s.credits);
      return sender;
    });
    this.outbox = { jobName: s.jobName, attempt: s.attempt, links: new Map(this.served.map((l) => [l.toSubtask, l])) };
    server.setOutbox(this.outbox);
    if (graph.edges.length === 0) return;
    s.peers.forEach((address, from) => {
      if (from === s.subtask) return;
      this.inbound.push(
        new InboundConnection(
          address,
          s.tls,
          { jobName: s.jobName, attempt: s.attempt, toSubtask: s.subtask },
          from,
          this.inbox,
          fail,
        ),
      );
    });
  }

  /** Starts pulling from the other workers (they wait for this attempt if it is not theirs yet). */
  connect(): void {
    for (const c of this.inbound) c.open();
  }

  abort(err: Error): void {
    this.inbox.abort(err);
    for (const s of this.senders) for (const c of s.channels) c.abort();
    for (const l of this.served) l.abort();
    for (const c of this.inbound) c.abort();
  }

  close(): void {
    this.server.clearOutbox(this.outbox);
    // Every edge ended on these (or the attempt was aborted): nothing more will be read.
    for (const c of this.inbound) c.abort();
  }

  bytesSent(): number {
    return this.served.reduce((s, l) => s + l.bytesSent, 0);
  }
  rowsSent(): number {
    return this.senders.reduce((s, x) => s + x.rowsSent(), 0);
  }
}
