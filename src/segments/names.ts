import { Problem } from '../http/problem.ts';
import type { Usage } from '../insights/analyzer.ts';
import type { Region } from '../regions/region.schema.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { contradictions, NAMING_SYSTEM, NAMING_TOOL, NamingAnswer, namingToolSchema, segmentProfile } from './model/naming.ts';
import type { Segment } from './model/run.ts';
import type { SegmentDefinition, SegmentNameEntry, SegmentNames, SegmentStore } from './segments.repository.ts';

/** The model that proposes segment names: one forced-tool call, and what a call cost is charged to. */
export interface NamingModel {
  modelId: string;
  callTool(request: { system: string; user: string; tool: { name: string; schema: Record<string, unknown> }; maxTokens?: number }): Promise<{ input: unknown; usage: Usage }>;
  charge(usage: Usage): Promise<void>;
}

export interface SegmentNamingDeps {
  region: Region;
  store: Pick<SegmentStore, 'names' | 'putNames' | 'definition'>;
  current(): Promise<SegmentDefinition | undefined>;
  model?: NamingModel;
  now: () => number;
}

/** Segment names: an operator's rename, else the model's proposal checked against the data, else the statistical name. */
export class SegmentNaming {
  private readonly namesCache: TtlCache<SegmentNames>;

  constructor(private readonly deps: SegmentNamingDeps) {
    this.namesCache = new TtlCache(60_000, 1, deps.now);
  }

  private iso = () => new Date(this.deps.now()).toISOString();

  

  /** The jurisdiction's segment names (operator renames, model proposals), cached 60 s per isolate. */
  async names(fresh = false): Promise<SegmentNames> {
    const hit = fresh ? undefined : this.namesCache.get('names');
    if (hit) return hit.value;
    const names = await this.deps.store.names(this.deps.region.jurisdiction);
    this.namesCache.set('names', names);
    return names;
  }

  /** A segment as served: an operator's name first, then the model's, then the statistical (RFM) one. */
  named(segment: Segment, names: SegmentNames): Segment & { statisticalName: string; nameSource: 'operator' | 'model' | 'statistical'; description?: string } {
    const entry = names[segment.id];
    const usable = entry && entry.source !== 'refused' && entry.name && (entry.source === 'operator' || entry.basis === segment.name);
    if (!usable) return { ...segment, statisticalName: segment.name, nameSource: 'statistical' };
    return { ...segment, name: entry.name!, statisticalName: segment.name, nameSource: entry.source as 'operator' | 'model', ...(entry.description ? { description: entry.description } : {}) };
  }

  /** An operator's name (and description) for a current segment; it stays while the segment keeps its id. */
  async rename(segmentId: string, body: { name: string; description?: string }): Promise<ReturnType<SegmentNaming['named']>> {
    const def = await this.deps.current();
    const segment = def?.segments.find((x) => x.id === segmentId);
    if (!segment) throw new Problem(404, 'segments.notFound', 'No current segment has this id');
    const names = await this.names(true);
    names[segmentId] = { source: 'operator', name: body.name, ...(body.description ? { description: body.description } : {}), basis: segment.name, at: this.iso() };
    await this.deps.store.putNames(this.deps.region.jurisdiction, names);
    this.namesCache.set('names', names);
    // Other isolates, and cached customer views, show the new name within their 60-second caches.
    return this.named(segment, names);
  }

  /**
   * The model's names for a run's new or changed segments (a segment whose statistical name moved has
   * changed character): one call each, from the aggregate profile; a proposal whose numbers contradict the
   * segment's data is refused and the statistical name stays. Operator renames are never replaced.
   */
  async nameSegments(runId: string): Promise<{ named: number; refused: number; kept: number }> {
    const naming = this.deps.model;
    const def = await this.deps.store.definition(runId);
    const out = { named: 0, refused: 0, kept: 0 };
    if (!naming || !def) return out;
    const names = await this.names(true);
    for (const segment of def.segments) {
      const entry: SegmentNameEntry | undefined = names[segment.id];
      if (entry && (entry.source === 'operator' || entry.basis === segment.name)) {
        out.kept++;
        continue;
      }
      let answer: { input: unknown; usage: Usage };
      try {
        answer = await naming.callTool({ system: NAMING_SYSTEM, user: segmentProfile(segment), tool: { name: NAMING_TOOL, schema: namingToolSchema() }, maxTokens: 200 });
      } catch (err) {
        const usage = (err as { usage?: Usage }).usage;
        if (usage && usage.calls > 0) await naming.charge(usage);
        console.error(JSON.stringify({ level: 'warn', msg: 'segment naming failed', runId, segmentId: segment.id, error: String(err) }));
        continue;
      }
      await naming.charge(answer.usage);
      const parsed = NamingAnswer.safeParse(answer.input);
      const problems = parsed.success ? contradictions(`${parsed.data.n}. ${parsed.data.d}`, segment) : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      if (parsed.success && problems.length === 0) {
        names[segment.id] = { source: 'model', name: parsed.data.n, description: parsed.data.d, basis: segment.name, at: this.iso(), modelId: naming.modelId };
        out.named++;
      } else {
        names[segment.id] = { source: 'refused', basis: segment.name, at: this.iso(), modelId: naming.modelId, problems: problems.slice(0, 5) };
        out.refused++;
      }
    }
    await this.deps.store.putNames(this.deps.region.jurisdiction, names);
    this.namesCache.set('names', names);
    return out;
  }
}
