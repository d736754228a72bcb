import { SegmentationError } from '../../segments/model/clustering.ts';
import { featureSet, segmentInputs } from '../../segments/model/features.ts';
import { runSegmentation } from '../../segments/model/run.ts';
import type { Segmenter } from './training.ts';

/**
 * Segments a population with the segments feature's own k-means (k by silhouette in 5-7, a fixed seed), on
 * exactly the snapshots given: each time of a time split gets segments made from what was known then. A
 * population too small to segment has none (segment favourites are then left out).
 */
export const kMeansSegmenter = (seed = 42): Segmenter => (snapshots) => {
  if (snapshots.length === 0) return () => undefined;
  try {
    const set = featureSet(snapshots.map((s) => s.history));
    const result = runSegmentation(set, segmentInputs(set, snapshots), { seed });
    return (customerId) => result.assignments.get(customerId)?.segmentId;
  } catch (err) {
    if (err instanceof SegmentationError) return () => undefined;
    throw err;
  }
};
