/** One webhook delivery the harness's receiver got from Alertmanager, as it arrived. */
export interface ReceivedNotification {
  receivedAt: string;
  /** Alertmanager's webhook payload (version 4). */
  payload: {
    receiver: string;
    status: 'firing' | 'resolved';
    groupLabels: Record<string, string>;
    commonLabels: Record<string, string>;
    commonAnnotations: Record<string, string>;
    alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; fingerprint: string }[];
  };
}
