// The agnhost image every run, repro and case file uses: the one published with the Kubernetes
// release netprops' local cluster builds (k8s.io/kubernetes v1.34.4, test/images/agnhost/VERSION
// 2.56), so the servers and `agnhost connect` behave as that release's e2e tests expect.
// `--image` overrides it (mirrors).
export const AGNHOST_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.56';
