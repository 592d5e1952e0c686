"""Helpers for the course "Fine-tuning BERT with a prediction network": y = F_ω(BERT_θ(x))."""

from .data import (TASKS, DataError, LengthGroupedBatchSampler, eval_split, get_task, label_counts,
                   load_task, make_loader, pad_collate, stratified_subset, tokenize)
from .env import describe_setup, fast_mode, get_device, in_colab, pick_precision, set_seed
from .model import (BertClassifier, CheckpointError, PredictionHead, cls_pool, count_parameters,
                    load_backbone, load_classifier, load_weights, mean_pool, offline_model_path,
                    relative_change, save_classifier)

__version__ = "0.1.0"
from .metrics import Predictions, compute_metrics, confusion, evaluate, per_class_report, predict
from .train import History, TrainConfig, parameter_groups, train

from . import cost, plots  # noqa: E402  (cu.plots.plot_history, cu.cost...)
from .variants import student, use_course, variant  # noqa: E402  (each student's own variant: cu.student("s1234567"))
