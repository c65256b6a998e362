// An 84-byte ONNX model (opset 17): y = Identity(x), x and y float32 [1]. Creating a session from it tells
// whether an execution provider can start on this machine without touching the user's model.
// Made with onnx.helper (make_node("Identity"), make_graph, make_model; ir_version 8).
const PROBE_MODEL_BASE64 =
  'CAgSDWRlbm9pc2UvcHJvYmU6OwoQCgF4EgF5IghJZGVudGl0eRIFcHJvYmVaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAR';

export function probeModelBytes(): Uint8Array {
  return new Uint8Array(Buffer.from(PROBE_MODEL_BASE64, 'base64'));
}
