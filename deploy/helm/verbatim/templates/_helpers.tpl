{{/* Names and labels shared by every object. */}}
{{- define "verbatim.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "verbatim.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "verbatim.labels" -}}
{{ include "verbatim.selectorLabels" . }}
app.kubernetes.io/part-of: verbatim
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "verbatim.image" -}}
{{- $svc := .svc -}}
{{- $suffix := "" -}}
{{- if and (eq ($svc.profile | default "cpu") "gpu") $svc.gpu -}}{{- $suffix = $svc.gpu.imageSuffix | default "" -}}{{- end -}}
{{- printf "%s/verbatim-%s%s:%s" .root.Values.image.registry ($svc.image | default .name) $suffix (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/* The port that serves /healthz, /readyz and /metrics. */}}
{{- define "verbatim.opsPort" -}}
{{- if eq .svc.kind "http" -}}{{ .svc.port }}{{- else -}}{{ .svc.opsPort }}{{- end -}}
{{- end -}}
