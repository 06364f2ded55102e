"""Verbatim speech-model training pipeline (corpus -> synthesis -> augmentation -> training -> ONNX -> eval)."""
