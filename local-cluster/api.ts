// The few API calls `up` and `status` make, with the admin credentials: server-side apply of the
// cluster's add-ons, and reading nodes and deployments. Through @kubernetes/client-node, as the
// cluster target talks to any cluster.
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Node } from '@kubernetes/client-node';

export interface LocalClusterApi {
  apply(objects: object[]): Promise<void>;
  nodes(): Promise<V1Node[]>;
  readyReplicas(namespace: string, deployment: string): Promise<number>;
  healthy(): Promise<boolean>;
}

export function localClusterApi(kubeconfigFile: string): LocalClusterApi {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigFile);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  return {
    async apply(list) {
      for (const o of list) {
        await objects.patch(o as KubernetesObject, undefined, undefined, 'netprops-local-cluster', true, PatchStrategy.ServerSideApply);
      }
    },
    async nodes() {
      return (await core.listNode()).items;
    },
    async readyReplicas(namespace, name) {
      return (await apps.readNamespacedDeployment({ namespace, name })).status?.readyReplicas ?? 0;
    },
    async healthy() {
      try {
        await core.listNamespace({ limit: 1 });
        return true;
      } catch {
        return false;
      }
    },
  };
}

export function nodeReady(n: V1Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
