/** The namespace Argo CD runs in unless an environment says otherwise (`argocd.namespace`). */
export const DEFAULT_ARGOCD_NAMESPACE = 'argocd';
