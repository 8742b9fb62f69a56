import { defineJob } from 'nest-pg-jobs';

export interface CapturePaymentData {
  orderId: string;
  amountCents: number;
}

/**
 * Captures an authorised card payment. The `exclusive` policy is what makes `singletonKey`
 * deduplicate: at most one job per key may be queued or running, so a second "capture" click
 * while the first is pending is dropped (`send` resolves to null). Under the default `standard`
 * policy a singleton key alone deduplicates nothing.
 */
export const CapturePayment = defineJob<CapturePaymentData>('capture-payment', {
  policy: 'exclusive',
  retryLimit: 5,
  retryDelay: 2,
  retryBackoff: true,
  expireInSeconds: 30,
});
