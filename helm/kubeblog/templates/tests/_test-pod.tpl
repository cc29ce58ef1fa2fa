{{/*
A `helm test` hook pod that fetches one URL through the Service with busybox wget (retrying while the pods
come up) and fails on an error status or when the body lacks the expected text.
Usage: include "kubeblog.testPod" (dict "ctx" $ "name" "readyz" "url" "http://..." "expect" "text")
*/}}
{{- define "kubeblog.testPod" -}}
{{- $ctx := .ctx }}
{{- $fullname := include "kubeblog.fullname" $ctx }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ printf "%s-test-%s" $fullname .name | trunc 63 | trimSuffix "-" }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "kubeblog.baseLabels" $ctx | nindent 4 }}
    app.kubernetes.io/component: test
    {{ $fullname }}-client: "true"
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  {{- with $ctx.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 65534
    runAsGroup: 65534
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: wget
      image: {{ include "kubeblog.imageRef" (dict "image" $ctx.Values.tests.image "default" "") | quote }}
      imagePullPolicy: {{ $ctx.Values.tests.image.pullPolicy }}
      command:
        - sh
        - -c
        - |
          url={{ .url | squote }}
          for attempt in 1 2 3 4 5 6 7 8 9 10; do
            if body="$(wget -q -T 5 -O - "$url")"; then
              if printf '%s' "$body" | grep -q -F {{ .expect | squote }}; then
                echo "ok: $url"
                exit 0
              fi
              echo "unexpected body from $url (wanted {{ .expect }}):"
              printf '%s\n' "$body" | head -c 2000
              exit 1
            fi
            echo "attempt $attempt: $url failed, retrying"
            sleep 3
          done
          echo "giving up on $url"
          exit 1
      securityContext:
        runAsNonRoot: true
        runAsUser: 65534
        runAsGroup: 65534
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        privileged: false
        capabilities:
          drop:
            - ALL
        seccompProfile:
          type: RuntimeDefault
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
        limits:
          memory: 32Mi
{{- end }}
