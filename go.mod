module github.com/agentmonitor/agentmonitor

go 1.26.0

require (
	github.com/fsnotify/fsnotify v1.10.1
	github.com/julienschmidt/httprouter v1.3.0
	github.com/maxence-charriere/go-app/v10 v10.1.11
	go.etcd.io/bbolt v1.5.0
	go.opentelemetry.io/proto/otlp v1.11.1
	golang.org/x/mod v0.43.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/google/uuid v1.6.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)
