{{/*
Shared templates: each takes (dict "root" $ "name" <service> "svc" <values entry>) and renders one
object for that service, so every service gets the same hardened shape.
*/}}

{{- define "verbatim.serviceaccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "verbatim.fullname" . }}
  labels: {{- include "verbatim.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{- define "verbatim.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "verbatim.fullname" . }}
  labels: {{- include "verbatim.labels" . | nindent 4 }}
data:
  {{- if eq .svc.kind "http" }}
  PORT: {{ .svc.port | quote }}
  {{- else }}
  GRPC_PORT: {{ .svc.port | quote }}
  OPS_PORT: {{ .svc.opsPort | quote }}
  {{- end }}
  {{- range $k, $v := .svc.env }}
  {{ $k }}: {{ tpl (toString $v) $.root | replace "verbatim-" (printf "%s-" $.root.Release.Name) | quote }}
  {{- end }}
{{- end -}}

{{- define "verbatim.deployment" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $gpu := and (eq ($svc.profile | default "cpu") "gpu") $svc.gpu -}}
{{- $keda := and $svc.autoscaling $svc.autoscaling.keda $svc.autoscaling.keda.enabled -}}
{{- $hpa := and $svc.autoscaling $svc.autoscaling.hpa $svc.autoscaling.hpa.enabled -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "verbatim.fullname" . }}
  labels: {{- include "verbatim.labels" . | nindent 4 }}
spec:
  {{- if not (or $keda $hpa) }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  selector:
    matchLabels: {{- include "verbatim.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "verbatim.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "verbatim.configmap" . | sha256sum }}
    spec:
      serviceAccountName: {{ include "verbatim.fullname" . }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      securityContext: {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- if $gpu }}
      nodeSelector: {{- toYaml $svc.gpu.nodeSelector | nindent 8 }}
      tolerations: {{- toYaml $svc.gpu.tolerations | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "verbatim.image" . }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: {{ ternary "http" "grpc" (eq $svc.kind "http") }}
              containerPort: {{ $svc.port }}
            {{- if ne $svc.kind "http" }}
            - name: ops
              containerPort: {{ $svc.opsPort }}
            {{- end }}
          envFrom:
            - configMapRef: { name: {{ $root.Release.Name }}-common }
            - configMapRef: { name: {{ include "verbatim.fullname" . }} }
          env:
            - name: DATABASE_URL
              valueFrom: { secretKeyRef: { name: {{ $root.Values.postgres.existingSecret }}, key: {{ $root.Values.postgres.secretKey }} } }
            - name: S3_ACCESS_KEY_ID
              valueFrom: { secretKeyRef: { name: {{ $root.Values.s3.existingSecret }}, key: accessKeyId } }
            - name: S3_SECRET_ACCESS_KEY
              valueFrom: { secretKeyRef: { name: {{ $root.Values.s3.existingSecret }}, key: secretAccessKey } }
            {{- range $svc.secretEnv }}
            - name: {{ .name }}
              valueFrom: { secretKeyRef: { name: {{ .secret }}, key: {{ .key }}, optional: {{ .optional | default false }} } }
            {{- end }}
          resources:
            {{- $res := deepCopy $svc.resources }}
            {{- if $gpu }}
            {{- $_ := set $res.limits "nvidia.com/gpu" $svc.gpu.count }}
            {{- $_ := set $res.requests "nvidia.com/gpu" $svc.gpu.count }}
            {{- end }}
            {{- toYaml $res | nindent 12 }}
          securityContext: {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          startupProbe:
            httpGet: { path: /healthz, port: {{ include "verbatim.opsPort" . }} }
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet: { path: /healthz, port: {{ include "verbatim.opsPort" . }} }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /readyz, port: {{ include "verbatim.opsPort" . }} }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            {{- range $i, $dir := $svc.writableDirs }}
            - { name: {{ printf "writable-%d" $i }}, mountPath: {{ $dir }} }
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: 2Gi }
        {{- range $i, $dir := $svc.writableDirs }}
        - name: {{ printf "writable-%d" $i }}
          emptyDir: { sizeLimit: 10Gi }
        {{- end }}
{{- end -}}

{{- define "verbatim.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "verbatim.fullname" . }}
  labels: {{- include "verbatim.labels" . | nindent 4 }}
spec:
  selector: {{- include "verbatim.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ ternary "http" "grpc" (eq .svc.kind "http") }}
      port: {{ .svc.port }}
      targetPort: {{ .svc.port }}
      {{- if ne .svc.kind "http" }}
      appProtocol: grpc
    - name: ops
      port: {{ .svc.opsPort }}
      targetPort: {{ .svc.opsPort }}
      {{- end }}
{{- end -}}

{{- define "verbatim.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "verbatim.fullname" . }}
  labels: {{- include "verbatim.labels" . | nindent 4 }}
spec:
  {{- if hasKey .svc.pdb "minAvailable" }}
  minAvailable: {{ .svc.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .svc.pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels: {{- include "verbatim.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* Admits only the service's known callers to its port, and Prometheus to its ops port. */}}
{{- define "verbatim.networkpolicy" -}}
{{- $root := .root -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "verbatim.fullname" . }}
  labels: {{- include "verbatim.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels: {{- include "verbatim.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    {{- if .svc.allowFrom }}
    - from:
        {{- range .svc.allowFrom }}
        {{- if eq . "ingress" }}
        - namespaceSelector:
            matchLabels: { kubernetes.io/metadata.name: {{ $root.Values.ingress.namespace }} }
        {{- else }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/instance: {{ $root.Release.Name }}
        {{- end }}
        {{- end }}
      ports:
        - { protocol: TCP, port: {{ .svc.port }} }
    {{- end }}
    - from:
        - namespaceSelector:
            matchLabels: { kubernetes.io/metadata.name: {{ $root.Values.monitoring.namespace }} }
      ports:
        - { protocol: TCP, port: {{ include "verbatim.opsPort" . }} }
{{- end -}}

{{- define "verbatim.servicemonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "verbatim.fullname" . }}
  labels: {{- include "verbatim.labels" . | nindent 4 }}
spec:
  selector:
    matchLabels: {{- include "verbatim.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: {{ ternary "http" "ops" (eq .svc.kind "http") }}
      path: /metrics
      interval: 15s
{{- end -}}
