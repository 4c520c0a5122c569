/**
 * A misspelt label in an alert's summary (`$labels.service` → `$labels.servce`): the
 * template renders without error, to an empty name, so the notification no longer says
 * which service is in trouble. The alert's scenario, which wants the firing notification
 * to name the service, should notice.
 */
import { watchedAlertRules, type MutationOperator } from '../operator.ts';
import { setScalar } from './yaml-text.ts';

const LABEL = '$labels.service';
const TYPO = '$labels.servce';

/** `text` with each `$labels.service` (not `$labels.service_group`) written `$labels.servce`; undefined when it has none. */
export function misspellLabel(text: string): string | undefined {
  let out = '';
  let i = 0;
  let found = false;
  for (let at = text.indexOf(LABEL); at !== -1; at = text.indexOf(LABEL, at + LABEL.length)) {
    if (/[A-Za-z0-9_]/.test(text[at + LABEL.length] ?? '')) continue;
    out += text.slice(i, at) + TYPO;
    i = at + LABEL.length;
    found = true;
  }
  return found ? out + text.slice(i) : undefined;
}

export const annotationMissingLabel: MutationOperator = {
  name: 'annotation-missing-label',
  describe: `${LABEL} misspelt in an alert's summary annotation`,
  mutants: (dir) =>
    watchedAlertRules(dir)
      .flatMap((r) => {
        // The summary, else the first annotation that names the label.
        const keys = ['summary', ...Object.keys(r.annotations).filter((k) => k !== 'summary')];
        const key = keys.find((k) => typeof r.annotations[k] === 'string' && misspellLabel(r.annotations[k]) !== undefined);
        if (!key) return [];
        const to = misspellLabel(r.annotations[key]!)!;
        return [
          {
            id: `annotation-missing-label:${r.alert}`,
            operator: 'annotation-missing-label',
            file: r.file,
            description: `${r.alert} annotations.${key}: ${LABEL} → ${TYPO}`,
            scenarios: [r.scenario],
            apply: (copy: string) => setScalar(copy, r.file, ['groups', r.group, 'rules', r.rule, 'annotations', key], to),
          },
        ];
      }),
};
