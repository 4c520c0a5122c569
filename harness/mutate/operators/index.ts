/** Every mutation operator, in the order a mutation run proposes their mutants. */
import type { MutationOperator } from '../operator.ts';
import { thresholdNudge } from './threshold-nudge.ts';
import { forStretch } from './for-stretch.ts';
import { selectorBreak } from './selector-break.ts';
import { scrapeJobDrop } from './scrape-job-drop.ts';
import { relabelDropLabel } from './relabel-drop-label.ts';
import { datasourceUid } from './datasource-uid.ts';
import { panelMetricTypo } from './panel-metric-typo.ts';
import { routeNoIntegration } from './route-no-integration.ts';
import { retentionChange } from './retention-change.ts';
import { intervalChange } from './interval-change.ts';
import { ingestionLimitCut } from './ingestion-limit-cut.ts';
import { annotationMissingLabel } from './annotation-missing-label.ts';

export const OPERATORS: MutationOperator[] = [thresholdNudge, forStretch, selectorBreak, scrapeJobDrop, relabelDropLabel, datasourceUid, panelMetricTypo, routeNoIntegration, retentionChange, intervalChange, ingestionLimitCut, annotationMissingLabel];
