// Command kube-apiserver is a thin wrapper around k8s.io/kubernetes/cmd/kube-apiserver/app,
// identical to the upstream cmd/kube-apiserver/apiserver.go. It exists because
// k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces the staging modules
// with local paths); this module pins them to the published v0.33.x versions instead.
// Built by scripts/ensure-envtest.sh for the test harness in test/support/control-plane.ts.
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
