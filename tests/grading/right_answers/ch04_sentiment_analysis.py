# Correct alternatives for ch04_sentiment_analysis (see docs/AUTHORING.md): each section replaces the whole source
# of the solution cell named by its grade_id and must keep full marks on every graded test cell.

# %% majority_baseline: collections.Counter, ties to the smallest label
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    from collections import Counter
    counts = Counter(int(y) for y in train_labels)
    majority = min(counts, key=lambda label: (-counts[label], label))
    test = [int(y) for y in test_labels]
    return sum(y == majority for y in test) / len(test)

# %% majority_baseline: torch.mode (the smallest of the most frequent) and an accuracy computed in float32
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    majority = torch.mode(torch.as_tensor(np.asarray(train_labels))).values
    return (torch.as_tensor(np.asarray(test_labels)) == majority).float().mean().item()

# %% tfidf_baseline: a scikit-learn Pipeline
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    from sklearn.pipeline import make_pipeline
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(C=10.0, max_iter=1000))
    pipeline.fit(list(train_texts), np.asarray(train_labels))
    return np.asarray(pipeline.predict(list(test_texts)), dtype=np.int64)

# %% tfidf_baseline: fit then transform in two calls, labels mapped back through classes_
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(list(train_texts))
    classifier = LogisticRegression(C=10.0, max_iter=1000)
    classifier.fit(vectorizer.transform(list(train_texts)), np.asarray(train_labels))
    scores = classifier.predict_proba(vectorizer.transform(list(test_texts)))
    return classifier.classes_[scores.argmax(axis=1)].astype(int)

# %% confident_mistakes: a Python loop and sorted() (stable) on the negated confidence
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    mistakes = []
    for i, row in enumerate(np.asarray(probs)):
        predicted = int(np.argmax(row))
        if predicted != int(labels[i]):
            mistakes.append((texts[i], int(labels[i]), predicted, float(row[predicted])))
    return sorted(mistakes, key=lambda m: -m[3])[:k]

# %% confident_mistakes: torch tensors, topk-free: a stable torch.sort
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    p = torch.as_tensor(np.asarray(probs, dtype=np.float64))
    y = torch.as_tensor(np.asarray(labels))
    confidence, predicted = p.max(dim=1)
    wrong = torch.nonzero(predicted != y).flatten()
    order = wrong[torch.sort(-confidence[wrong], stable=True).indices][:k]
    return [(texts[i], int(y[i]), int(predicted[i]), float(confidence[i])) for i in order.tolist()]

# %% classify: the whole BatchEncoding moved with .to(device), model(**enc), torch.inference_mode()
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt").to(device)
    model.eval()
    with torch.inference_mode():
        logits = model(**enc)
    probs = logits.float().softmax(dim=-1)
    return [(label_names[int(row.argmax())], float(row.max())) for row in probs]

# %% classify: a dict comprehension to the device, F.softmax and argmax, positional arguments
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    enc = {k: v.to(device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
    model.eval()
    with torch.no_grad():
        probs = F.softmax(model(enc["input_ids"], enc["attention_mask"]), dim=1)
    predicted = probs.argmax(dim=1)
    return [(label_names[int(i)], probs[row, i].item()) for row, i in enumerate(predicted)]

# %% newly_initialized: compare the model's parameter names with the names stored in the checkpoint
def newly_initialized(checkpoint, num_labels: int) -> list:
    from pathlib import Path
    from safetensors import safe_open
    model = transformers.AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=num_labels)
    with safe_open(str(Path(checkpoint) / "model.safetensors"), framework="pt") as f:
        stored = set(f.keys())
    prefix = model.base_model_prefix + "."
    def provided(name):
        return name in stored or name.removeprefix(prefix) in stored or prefix + name in stored
    return sorted(name for name, _ in model.named_parameters() if not provided(name))

# %% newly_initialized: the loading info's missing keys, intersected with the parameters by set operations
def newly_initialized(checkpoint, num_labels: int) -> list:
    model, info = transformers.AutoModelForSequenceClassification.from_pretrained(
        checkpoint, num_labels=num_labels, output_loading_info=True)
    return sorted(set(info["missing_keys"]) & set(dict(model.named_parameters())))

# %% per_example_loss: the model's logits and log_softmax, gathered at the labels
def per_example_loss(model, batch) -> torch.Tensor:
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return -torch.log_softmax(logits, dim=-1).gather(1, batch["labels"].unsqueeze(1)).squeeze(1)

# %% per_example_loss: nn.CrossEntropyLoss(reduction="none") on F_ω of the pooled output
def per_example_loss(model, batch) -> torch.Tensor:
    outputs = model.bert(batch["input_ids"], attention_mask=batch["attention_mask"])
    logits = model.classifier(model.dropout(outputs[1]))
    return torch.nn.CrossEntropyLoss(reduction="none")(logits, batch["labels"])

# %% concept_order: prepares the data before adding the prediction network
steps_in_order = ["C", "E", "B", "F", "D", "G", "A"]

# %% concept_order: applies the tuned model before evaluating it (neither needs the other)
steps_in_order = ["C", "B", "F", "E", "D", "A", "G"]
