{{- define "modelforge.name" -}}modelforge-operator{{- end -}}

{{- define "modelforge.labels" -}}
app.kubernetes.io/name: {{ include "modelforge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: modelforge
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "modelforge.selector" -}}
app.kubernetes.io/name: {{ include "modelforge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
