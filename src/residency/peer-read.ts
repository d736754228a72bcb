import type { Jurisdiction, Region } from '../regions/region.schema.ts';
import { forwardToJurisdiction, type Peers } from './peers.ts';

/**
 * A read a feature needs from another jurisdiction (aggregates only, such as an experiment's sufficient
 * statistics): sent like any forwarded request, with the caller's credentials, to a `?jurisdiction=` route
 * that the residency guard there serves locally. Features never forward themselves; they are given this.
 */
export type PeerRead = (original: Request, jurisdiction: Jurisdiction, pathAndQuery: string) => Promise<Response>;

export function peerRead(region: Region, peers: Peers, extraHeaders: readonly string[] = []): PeerRead {
  return (original, jurisdiction, pathAndQuery) =>
    forwardToJurisdiction(peers, jurisdiction, region.id, new Request(new URL(pathAndQuery, original.url), { method: 'GET', headers: original.headers }), undefined, extraHeaders);
}
