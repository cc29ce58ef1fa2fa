{{/*
Chart name, truncated to the 63 characters a label value allows.
*/}}
{{- define "kubeblog.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects: <release>-<chart>, or <release> when it already contains the chart name.
*/}}
{{- define "kubeblog.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version for the helm.sh/chart label.
*/}}
{{- define "kubeblog.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The version label: the image tag when set, else appVersion.
*/}}
{{- define "kubeblog.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of the kubeblog pods. The component keeps `helm test` pods (component: test) out of the Service.
*/}}
{{- define "kubeblog.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubeblog.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Labels shared by every object, without the component.
*/}}
{{- define "kubeblog.baseLabels" -}}
helm.sh/chart: {{ include "kubeblog.chart" . }}
app.kubernetes.io/name: {{ include "kubeblog.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "kubeblog.version" . | quote }}
app.kubernetes.io/part-of: kubeblog
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Standard labels of the objects that belong to the kubeblog server.
*/}}
{{- define "kubeblog.labels" -}}
{{ include "kubeblog.baseLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Common annotations block (metadata.annotations), merged with object-specific ones passed as .extra.
Usage: include "kubeblog.annotations" (dict "ctx" $ "extra" .Values.x.annotations)
*/}}
{{- define "kubeblog.annotations" -}}
{{- $all := merge (deepCopy (default (dict) .extra)) (deepCopy (default (dict) .ctx.Values.commonAnnotations)) }}
{{- with $all }}{{ "annotations:" }}{{ toYaml . | nindent 2 }}{{ end }}
{{- end }}

{{/*
Name of the ServiceAccount.
*/}}
{{- define "kubeblog.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kubeblog.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
An image reference from {registry, repository, tag, digest}; .default is the tag used when tag is empty.
*/}}
{{- define "kubeblog.imageRef" -}}
{{- $repo := .image.repository }}
{{- if .image.registry }}{{ $repo = printf "%s/%s" .image.registry .image.repository }}{{ end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repo .image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .default .image.tag | toString) }}
{{- end }}
{{- end }}

{{- define "kubeblog.image" -}}
{{- include "kubeblog.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) }}
{{- end }}

{{/*
The blog's path prefix: "" for the root, else "/blog" (no trailing slash), like the app's BASE_PATH handling.
*/}}
{{- define "kubeblog.basePath" -}}
{{- $p := .Values.config.basePath | default "" | trim }}
{{- if or (eq $p "") (eq $p "/") }}
{{- else }}
{{- if not (hasPrefix "/" $p) }}{{ $p = printf "/%s" $p }}{{ end }}
{{- trimSuffix "/" $p }}
{{- end }}
{{- end }}

{{/*
The URL path routed to the blog: the base path, or "/".
*/}}
{{- define "kubeblog.routePath" -}}
{{- default "/" (include "kubeblog.basePath" .) }}
{{- end }}

{{/*
Fails unless a routing path prefix and the base path agree: one must be a path-segment prefix of the other.
Usage: include "kubeblog.checkRoutePath" (dict "ctx" $ "path" $path "what" "ingress.hosts[0].paths[0].path")
*/}}
{{- define "kubeblog.checkRoutePath" -}}
{{- $base := include "kubeblog.basePath" .ctx }}
{{- $path := trimSuffix "/" .path }}
{{- if and $base (ne $path "") }}
{{- if not (or (eq $path $base) (hasPrefix (printf "%s/" $path) $base) (hasPrefix (printf "%s/" $base) $path)) }}
{{- fail (printf "%s is %q but config.basePath is %q: kubeblog serves only under its base path, so the route would find nothing. Leave the path empty to use the base path." .what .path $base) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The posts directory inside the kubeblog container for the chosen content mode.
*/}}
{{- define "kubeblog.postsDir" -}}
{{- $c := .Values.content }}
{{- if eq $c.mode "configMap" }}
{{- $c.configMap.mountPath }}
{{- else if eq $c.mode "gitSync" }}
{{- $p := printf "%s/%s" (trimSuffix "/" $c.gitSync.root) $c.gitSync.link }}
{{- with trimAll "/" $c.gitSync.subPath }}{{ $p = printf "%s/%s" $p . }}{{ end }}
{{- $p }}
{{- else }}
{{- $c.image.postsDir }}
{{- end }}
{{- end }}

{{/*
Name of the posts ConfigMap.
*/}}
{{- define "kubeblog.postsConfigMapName" -}}
{{- printf "%s-posts" (include "kubeblog.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Data of the posts ConfigMap: inline files plus chart files matching filesGlob (inline wins).
*/}}
{{- define "kubeblog.postsData" -}}
{{- $data := dict }}
{{- with .Values.content.configMap.filesGlob }}
{{- range $path, $_ := $.Files.Glob . }}
{{- $_ := set $data (base $path) ($.Files.Get $path) }}
{{- end }}
{{- end }}
{{- range $name, $body := .Values.content.configMap.files }}
{{- $_ := set $data $name $body }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/*
ALLOWED_HOSTS: config.allowedHosts, else the hosts the Ingress and HTTPRoute answer for. Wildcards are
left out: they name no host a page could link to.
*/}}
{{- define "kubeblog.allowedHosts" -}}
{{- $hosts := list }}
{{- range .Values.config.allowedHosts }}{{ $hosts = append $hosts (tpl . $) }}{{ end }}
{{- if not $hosts }}
{{- if .Values.ingress.enabled }}{{ range .Values.ingress.hosts }}{{ with .host }}{{ $hosts = append $hosts (tpl . $) }}{{ end }}{{ end }}{{ end }}
{{- if .Values.httpRoute.enabled }}{{ range .Values.httpRoute.hostnames }}{{ $hosts = append $hosts (tpl . $) }}{{ end }}{{ end }}
{{- end }}
{{- $named := list }}
{{- range $hosts }}{{ if not (hasPrefix "*" .) }}{{ $named = append $named (lower .) }}{{ end }}{{ end }}
{{- join "," (uniq $named) }}
{{- end }}

{{/*
Environment for the kubeblog container (the chart's ConfigMap).
*/}}
{{- define "kubeblog.configData" -}}
{{- $c := .Values.config -}}
HOST: "0.0.0.0"
PORT: {{ .Values.containerPorts.http | quote }}
METRICS_PORT: {{ .Values.containerPorts.metrics | quote }}
{{- if .Values.content.jekyllSite }}
SITE_DIR: {{ include "kubeblog.postsDir" . | quote }}
{{- else }}
POSTS_DIR: {{ include "kubeblog.postsDir" . | quote }}
{{- end }}
{{- with include "kubeblog.basePath" . }}
BASE_PATH: {{ . | quote }}
{{- end }}
{{- with $c.siteUrl }}
SITE_URL: {{ . | quote }}
{{- else }}
{{- with include "kubeblog.allowedHosts" . }}
ALLOWED_HOSTS: {{ . | quote }}
{{- end }}
{{- end }}
{{- with $c.siteTitle }}
SITE_TITLE: {{ . | quote }}
{{- end }}
{{- with $c.siteDescription }}
SITE_DESCRIPTION: {{ . | quote }}
{{- end }}
{{- with $c.siteAuthor }}
SITE_AUTHOR: {{ . | quote }}
{{- end }}
{{- with $c.siteLanguage }}
SITE_LANGUAGE: {{ . | quote }}
{{- end }}
{{- with $c.siteTimezone }}
SITE_TIMEZONE: {{ . | quote }}
{{- end }}
{{- with $c.siteConfig }}
SITE_CONFIG: {{ . | quote }}
{{- end }}
POSTS_PER_PAGE: {{ $c.postsPerPage | quote }}
SHOW_DRAFTS: {{ $c.showDrafts | quote }}
SHOW_FUTURE: {{ $c.showFuture | quote }}
{{- if ne (toString $c.trustProxy) "" }}
TRUST_PROXY: {{ $c.trustProxy | toString | quote }}
{{- end }}
LOG_LEVEL: {{ $c.logLevel | quote }}
REQUEST_LOG_LEVEL: {{ $c.requestLogLevel | quote }}
{{- if not (kindIs "invalid" $c.cacheMaxAgeSeconds) }}
CACHE_MAX_AGE_SECONDS: {{ $c.cacheMaxAgeSeconds | int64 | toString | quote }}
{{- end }}
{{- if not (kindIs "invalid" $c.pageCacheEntries) }}
PAGE_CACHE_ENTRIES: {{ $c.pageCacheEntries | int64 | toString | quote }}
{{- end }}
{{- if not (kindIs "invalid" $c.pageCacheMb) }}
PAGE_CACHE_MB: {{ $c.pageCacheMb | int64 | toString | quote }}
{{- end }}
{{- if not (kindIs "invalid" $c.watchPollSeconds) }}
WATCH_POLL_SECONDS: {{ $c.watchPollSeconds | int64 | toString | quote }}
{{- end }}
SHUTDOWN_DELAY_SECONDS: {{ $c.shutdownDelaySeconds | int64 | toString | quote }}
SHUTDOWN_TIMEOUT_SECONDS: {{ $c.shutdownTimeoutSeconds | int64 | toString | quote }}
{{- if .Values.content.kubernetes.enabled }}
CONTENT_SOURCES: "directory,kubernetes"
KUBE_LABEL_SELECTOR: {{ .Values.content.kubernetes.labelSelector | quote }}
{{- else }}
CONTENT_SOURCES: "directory"
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: explicit, or shutdown delay + timeout + 10; never at or below delay + timeout.
*/}}
{{- define "kubeblog.terminationGracePeriodSeconds" -}}
{{- $need := add (int64 .Values.config.shutdownDelaySeconds) (int64 .Values.config.shutdownTimeoutSeconds) }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $need 10 }}
{{- else }}
{{- $set := int64 .Values.terminationGracePeriodSeconds }}
{{- if le $set $need }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than config.shutdownDelaySeconds + config.shutdownTimeoutSeconds (%d), or Kubernetes kills kubeblog before it has drained" $set $need) }}
{{- end }}
{{- $set }}
{{- end }}
{{- end }}

{{/*
Checks that apply to the whole release.
*/}}
{{- define "kubeblog.validate" -}}
{{- if eq (int .Values.containerPorts.http) (int .Values.containerPorts.metrics) }}
{{- fail "containerPorts.http and containerPorts.metrics must differ: metrics must not be served on the public port" }}
{{- end }}
{{- if and (eq .Values.content.mode "gitSync") (not .Values.content.gitSync.repo) }}
{{- fail "content.gitSync.repo is required when content.mode is gitSync" }}
{{- end }}
{{- if and (eq .Values.content.mode "configMap") .Values.content.jekyllSite }}
{{- fail "content.jekyllSite needs a folder tree (content.mode image or gitSync); a ConfigMap holds flat files" }}
{{- end }}
{{- if and (eq .Values.content.mode "configMap") (not .Values.content.configMap.files) (not .Values.content.configMap.filesGlob) }}
{{- fail "content.mode configMap needs posts in content.configMap.files or content.configMap.filesGlob" }}
{{- end }}
{{- if and .Values.content.kubernetes.enabled (not .Values.content.kubernetes.createRole) (not .Values.serviceAccount.create) (eq (include "kubeblog.serviceAccountName" .) "default") }}
{{- fail "content.kubernetes.enabled with the namespace's default ServiceAccount: create one (serviceAccount.create) or name one that may read configmaps" }}
{{- end }}
{{- end }}
