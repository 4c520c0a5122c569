/** One edit the render made to the runnable copy of the user's config, so a report says exactly what was tested. */
export interface ConfigChange {
  file: string;
  key: string;
  from: unknown;
  to: unknown;
  reason: string;
}
