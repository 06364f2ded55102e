import numpy as np
import onnxruntime as ort
import torch

from verbatim_train.model import SAMPLES_PER_FRAME, CTCModel, LogMel, n_frames


def test_frontend_export_parity(tmp_path):
    fe = LogMel().eval()
    path = tmp_path / "fe.onnx"
    torch.onnx.export(fe, (torch.zeros(1, 8000),), str(path), input_names=["audio"], output_names=["feats"],
                      dynamic_axes={"audio": {0: "b", 1: "t"}, "feats": {0: "b", 2: "f"}}, opset_version=17,
                      dynamo=False)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for n in (1234, 16000, 40001):
        x = (rng.standard_normal((2, n)) * 0.2).astype(np.float32)
        ref = fe(torch.from_numpy(x)).detach().numpy()
        got = sess.run(None, {"audio": x})[0]
        assert got.shape == ref.shape
        assert np.abs(got - ref).max() < 1e-3


def test_model_export_parity_and_frames(tmp_path):
    from verbatim_train.export import export_onnx, parity
    m = CTCModel(conv=32, hidden=16, layers=1).eval()
    export_onnx(m, tmp_path / "m.onnx")
    assert parity(m, tmp_path / "m.onnx") < 1e-4
    for n in (480, 4799, 16000, 16001, 48000):
        frames = m(torch.zeros(1, n)).shape[1]
        assert frames == n_frames(n) <= -(-n // SAMPLES_PER_FRAME)
