// Tests only: the exec reply a real agnhost would give for a probe the reference model predicts:
// `connect` exits 0 (with netexec's /clientip or /hostname answer when the script asks for it) when
// delivered, else 1 with connect's own stderr words (REFUSED, OTHER, TIMEOUT).
import type { Prediction } from '../model/model.ts';
import type { ExecReply } from './fake-apiserver.ts';

export function agnhostAnswer(prediction: Prediction, script: string): ExecReply {
  const delivery = prediction.deliveries[0];
  if (prediction.verdict !== 'deny' && delivery) {
    const stdout = script.includes('/clientip') ? `${delivery.sourceSeen ?? '0.0.0.0'}:40000` : script.includes('/hostname') ? (delivery.backend?.name ?? '') : '';
    return { exitCode: 0, stdout };
  }
  const failure = prediction.routes[0]?.failure.outcome ?? 'timeout';
  return { exitCode: 1, stderr: failure === 'refused' ? 'REFUSED\n' : failure === 'unreachable' ? 'OTHER: dial tcp: connect: no route to host\n' : 'TIMEOUT\n' };
}
