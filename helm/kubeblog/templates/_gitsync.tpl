{{/*
A git-sync v4 container sharing the "content" emptyDir with kubeblog.
Usage: include "kubeblog.gitSyncContainer" (dict "ctx" $ "name" "git-sync" "oneTime" false)
*/}}
{{- define "kubeblog.gitSyncContainer" -}}
{{- $gitSync := .ctx.Values.content.gitSync }}
- name: {{ .name }}
  image: {{ include "kubeblog.imageRef" (dict "image" $gitSync.image "default" "") | quote }}
  imagePullPolicy: {{ $gitSync.image.pullPolicy }}
  args:
    - --repo={{ $gitSync.repo }}
    - --ref={{ $gitSync.ref }}
    - --root={{ $gitSync.root }}
    - --link={{ $gitSync.link }}
    - --depth={{ $gitSync.depth | int64 }}
    - --group-write
    {{- if .oneTime }}
    - --one-time
    {{- else }}
    - --period={{ $gitSync.period }}
    - --max-failures={{ $gitSync.maxFailures | int64 }}
    {{- end }}
    {{- range $gitSync.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  env:
    - name: HOME
      value: /tmp
    {{- with $gitSync.existingSecret }}
    - name: GITSYNC_USERNAME
      valueFrom:
        secretKeyRef:
          name: {{ . }}
          key: username
    - name: GITSYNC_PASSWORD
      valueFrom:
        secretKeyRef:
          name: {{ . }}
          key: password
    {{- end }}
    {{- with $gitSync.extraEnv }}
    {{- tpl (toYaml .) $.ctx | nindent 4 }}
    {{- end }}
  securityContext:
    {{- toYaml .ctx.Values.securityContext | nindent 4 }}
  resources:
    {{- toYaml $gitSync.resources | nindent 4 }}
  volumeMounts:
    - name: content
      mountPath: {{ $gitSync.root }}
    - name: tmp
      mountPath: /tmp
{{- end }}
