// Package k8s holds zcnic's Kubernetes manifests (the *.yaml files beside
// this one) and, in its tests, their validation: every document is decoded
// strictly into the official API types (k8s.io/api, through
// sigs.k8s.io/yaml), so an unknown or misspelled field fails the test, and
// the forwarder's pod specs are checked for what DPDK needs: hugepages-2Mi
// requested with a HugePages-2Mi volume at /dev/hugepages, guaranteed QoS
// with whole CPUs, named capabilities instead of privileged, GOMAXPROCS
// from the CPU limit, and SR-IOV resources and Multus networks that match
// the NetworkAttachmentDefinitions and device-plugin config they name.
//
// No schema is downloaded: the API types are the schema. The package has
// no code outside its tests.
package k8s
