#!/usr/bin/env python3
"""A minimal Kubernetes CRI client (what kubelet or crictl would do, neither of which Debian packages), for the test
that runs a pod through containerd's CRI plugin with the runtime handler `swiftlet`: RunPodSandbox (host network, so
no CNI is needed; its pause container goes through swiftlet-runtime to runc), CreateContainer and StartContainer of a
module image, ContainerStatus until it exits, then RemoveContainer, StopPodSandbox and RemovePodSandbox. Prints one
JSON object: the container's exit code, its CRI log, and the pod and container ids.

  cri_client.py SOCKET LOG_DIRECTORY HANDLER IMAGE [ARGS...]

The messages are declared here, at run time, with the field numbers of the CRI API (runtime.v1, k8s.io/cri-api
api.proto), only the fields this client sets or reads: grpcio and protobuf from PyPI, no generated code.
"""
import json
import sys
import time

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

Field = descriptor_pb2.FieldDescriptorProto
STRING, UINT32, INT32, MESSAGE, ENUM = Field.TYPE_STRING, Field.TYPE_UINT32, Field.TYPE_INT32, Field.TYPE_MESSAGE, Field.TYPE_ENUM
ONE, MANY = Field.LABEL_OPTIONAL, Field.LABEL_REPEATED
PACKAGE = "runtime.v1"

# name -> [(field, number, type, label, message or enum type)]
MESSAGES = {
    "VersionRequest": [("version", 1, STRING, ONE, None)],
    "VersionResponse": [("runtime_name", 2, STRING, ONE, None), ("runtime_api_version", 4, STRING, ONE, None)],
    "PodSandboxMetadata": [("name", 1, STRING, ONE, None), ("uid", 2, STRING, ONE, None),
                           ("namespace", 3, STRING, ONE, None), ("attempt", 4, UINT32, ONE, None)],
    "NamespaceOption": [("network", 1, ENUM, ONE, "NamespaceMode"), ("pid", 2, ENUM, ONE, "NamespaceMode"),
                        ("ipc", 3, ENUM, ONE, "NamespaceMode")],
    "LinuxSandboxSecurityContext": [("namespace_options", 1, MESSAGE, ONE, "NamespaceOption")],
    "LinuxPodSandboxConfig": [("security_context", 2, MESSAGE, ONE, "LinuxSandboxSecurityContext")],
    "PodSandboxConfig": [("metadata", 1, MESSAGE, ONE, "PodSandboxMetadata"), ("log_directory", 3, STRING, ONE, None),
                         ("linux", 8, MESSAGE, ONE, "LinuxPodSandboxConfig")],
    "RunPodSandboxRequest": [("config", 1, MESSAGE, ONE, "PodSandboxConfig"), ("runtime_handler", 2, STRING, ONE, None)],
    "RunPodSandboxResponse": [("pod_sandbox_id", 1, STRING, ONE, None)],
    "ContainerMetadata": [("name", 1, STRING, ONE, None), ("attempt", 2, UINT32, ONE, None)],
    "ImageSpec": [("image", 1, STRING, ONE, None)],
    "ContainerConfig": [("metadata", 1, MESSAGE, ONE, "ContainerMetadata"), ("image", 2, MESSAGE, ONE, "ImageSpec"),
                        ("args", 4, STRING, MANY, None), ("log_path", 11, STRING, ONE, None)],
    "CreateContainerRequest": [("pod_sandbox_id", 1, STRING, ONE, None), ("config", 2, MESSAGE, ONE, "ContainerConfig"),
                               ("sandbox_config", 3, MESSAGE, ONE, "PodSandboxConfig")],
    "CreateContainerResponse": [("container_id", 1, STRING, ONE, None)],
    "StartContainerRequest": [("container_id", 1, STRING, ONE, None)],
    "ContainerStatusRequest": [("container_id", 1, STRING, ONE, None)],
    "ContainerStatus": [("id", 1, STRING, ONE, None), ("state", 3, ENUM, ONE, "ContainerState"),
                        ("exit_code", 7, INT32, ONE, None), ("reason", 11, STRING, ONE, None),
                        ("message", 12, STRING, ONE, None)],
    "ContainerStatusResponse": [("status", 1, MESSAGE, ONE, "ContainerStatus")],
    "RemoveContainerRequest": [("container_id", 1, STRING, ONE, None)],
    "StopPodSandboxRequest": [("pod_sandbox_id", 1, STRING, ONE, None)],
    "RemovePodSandboxRequest": [("pod_sandbox_id", 1, STRING, ONE, None)],
    "Empty": [],
}
ENUMS = {
    "NamespaceMode": ["POD", "CONTAINER", "NODE", "TARGET"],
    "ContainerState": ["CONTAINER_CREATED", "CONTAINER_RUNNING", "CONTAINER_EXITED", "CONTAINER_UNKNOWN"],
}


def message_classes():
    file = descriptor_pb2.FileDescriptorProto(name="swiftlet_cri_subset.proto", package=PACKAGE, syntax="proto3")
    for name, values in ENUMS.items():
        enum = file.enum_type.add(name=name)
        for number, value in enumerate(values):
            enum.value.add(name=value, number=number)
    for name, fields in MESSAGES.items():
        message = file.message_type.add(name=name)
        for field, number, kind, label, type_name in fields:
            entry = message.field.add(name=field, number=number, type=kind, label=label)
            if type_name:
                entry.type_name = f".{PACKAGE}.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}")) for name in MESSAGES}


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    socket, log_directory, handler, image, arguments = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    types = message_classes()
    channel = grpc.insecure_channel("unix://" + socket)

    def call(method, request, response="Empty"):
        # Responses this client does not read are decoded as Empty: protobuf keeps their fields as unknown ones.
        invoke = channel.unary_unary(f"/{PACKAGE}.RuntimeService/{method}", request_serializer=lambda m: m.SerializeToString(),
                                     response_deserializer=types[response].FromString)
        return invoke(request, timeout=60)

    call("Version", types["VersionRequest"](version="v1"), "VersionResponse")
    node = ENUMS["NamespaceMode"].index("NODE")
    sandbox = types["PodSandboxConfig"](
        metadata=types["PodSandboxMetadata"](name="wasm-pod", uid="swiftlet-cri-test", namespace="default"),
        log_directory=log_directory,
        linux=types["LinuxPodSandboxConfig"](security_context=types["LinuxSandboxSecurityContext"](
            namespace_options=types["NamespaceOption"](network=node))))
    pod = call("RunPodSandbox", types["RunPodSandboxRequest"](config=sandbox, runtime_handler=handler),
               "RunPodSandboxResponse").pod_sandbox_id
    container = call("CreateContainer", types["CreateContainerRequest"](
        pod_sandbox_id=pod, sandbox_config=sandbox,
        config=types["ContainerConfig"](metadata=types["ContainerMetadata"](name="module"),
                                        image=types["ImageSpec"](image=image), args=arguments, log_path="module.log")),
        "CreateContainerResponse").container_id
    call("StartContainer", types["StartContainerRequest"](container_id=container))
    exited = ENUMS["ContainerState"].index("CONTAINER_EXITED")
    deadline = time.monotonic() + 60
    while True:
        status = call("ContainerStatus", types["ContainerStatusRequest"](container_id=container),
                      "ContainerStatusResponse").status
        if status.state == exited or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    with open(f"{log_directory}/module.log") as log:
        log_text = log.read()
    call("RemoveContainer", types["RemoveContainerRequest"](container_id=container))
    call("StopPodSandbox", types["StopPodSandboxRequest"](pod_sandbox_id=pod))
    call("RemovePodSandbox", types["RemovePodSandboxRequest"](pod_sandbox_id=pod))
    print(json.dumps({"pod": pod, "container": container, "exited": status.state == exited,
                      "exit_code": status.exit_code, "log": log_text}))


if __name__ == "__main__":
    main()
