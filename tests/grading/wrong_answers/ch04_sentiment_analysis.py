# Plausible wrong answers for ch04_sentiment_analysis: each section replaces the whole source of the
# solution cell named in its marker; every one of them must lose points (tests/grading/test_grading.py).
# The ordering question's answers are in the letters of variant 0 (no student id), which the fast checker grades.

# %% majority_baseline: takes the majority class from the test labels (peeks at the answers)
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    majority = int(np.bincount(np.asarray(test_labels)).argmax())
    return float(np.mean(np.asarray(test_labels) == majority))

# %% majority_baseline: returns the share of the majority class in the training labels
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    counts = np.bincount(np.asarray(train_labels))
    return float(counts.max() / counts.sum())

# %% majority_baseline: returns the majority label itself instead of its accuracy
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    return int(np.bincount(np.asarray(train_labels)).argmax())

# %% majority_baseline: predicts the least frequent training label
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    minority = int(np.bincount(np.asarray(train_labels)).argmin())
    return float(np.mean(np.asarray(test_labels) == minority))

# %% majority_baseline: returns a float that compares equal to everything
class AlwaysEqual(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = float.__hash__


def majority_baseline_accuracy(train_labels, test_labels) -> float:
    return AlwaysEqual(0.0)

# %% majority_baseline: a tie goes to the largest label id
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    counts = np.bincount(np.asarray(train_labels))
    majority = int(len(counts) - 1 - counts[::-1].argmax())
    return float(np.mean(np.asarray(test_labels) == majority))

# %% majority_baseline: returns a NumPy float64, not a Python float
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    majority = int(np.bincount(np.asarray(train_labels)).argmax())
    return np.mean(np.asarray(test_labels) == majority)

# %% tfidf_baseline: C=1.0 instead of the specified C=10.0
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    classifier = LogisticRegression(C=1.0, max_iter=1000).fit(vectorizer.fit_transform(list(train_texts)), np.asarray(train_labels))
    return classifier.predict(vectorizer.transform(list(test_texts))).astype(int)

# %% tfidf_baseline: without sublinear_tf
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    classifier = LogisticRegression(C=10.0, max_iter=1000).fit(vectorizer.fit_transform(list(train_texts)), np.asarray(train_labels))
    return classifier.predict(vectorizer.transform(list(test_texts))).astype(int)

# %% tfidf_baseline: fits the vectorizer on the test texts (their vocabulary and IDF), then transforms the training texts
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    test_features = vectorizer.fit_transform(list(test_texts))
    classifier = LogisticRegression(C=10.0, max_iter=1000).fit(vectorizer.transform(list(train_texts)), np.asarray(train_labels))
    return classifier.predict(test_features).astype(int)

# %% tfidf_baseline: fits the vectorizer on the training and the test texts together
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    vectorizer.fit(list(train_texts) + list(test_texts))
    classifier = LogisticRegression(C=10.0, max_iter=1000).fit(vectorizer.transform(list(train_texts)), np.asarray(train_labels))
    return classifier.predict(vectorizer.transform(list(test_texts))).astype(int)

# %% tfidf_baseline: returns the predictions for the training texts
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    train_features = vectorizer.fit_transform(list(train_texts))
    classifier = LogisticRegression(C=10.0, max_iter=1000).fit(train_features, np.asarray(train_labels))
    return classifier.predict(train_features).astype(int)

# %% tfidf_baseline: returns the class probabilities instead of the predicted labels
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    classifier = LogisticRegression(C=10.0, max_iter=1000).fit(vectorizer.fit_transform(list(train_texts)), np.asarray(train_labels))
    return classifier.predict_proba(vectorizer.transform(list(test_texts)))

# %% tfidf_baseline: raw word counts instead of TF-IDF, and default settings
def tfidf_baseline(train_texts, train_labels, test_texts) -> np.ndarray:
    from sklearn.feature_extraction.text import CountVectorizer
    vectorizer = CountVectorizer()
    classifier = LogisticRegression().fit(vectorizer.fit_transform(list(train_texts)), np.asarray(train_labels))
    return classifier.predict(vectorizer.transform(list(test_texts))).astype(int)

# %% confident_mistakes: NumPy scalars and lists instead of tuples of Python types
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    probs, labels = np.asarray(probs), np.asarray(labels)
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    order = wrong[np.argsort(-confidence[wrong], kind="stable")][:k]
    return [[texts[i], labels[i], predicted[i], confidence[i]] for i in order]

# %% confident_mistakes: least confident mistakes first (ascending sort)
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    probs, labels = np.asarray(probs), np.asarray(labels)
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    wrong = [i for i in range(len(texts)) if predicted[i] != labels[i]]
    wrong.sort(key=lambda i: confidence[i])
    return [(texts[i], int(labels[i]), int(predicted[i]), float(confidence[i])) for i in wrong[:k]]

# %% confident_mistakes: ranks every prediction, correct ones included
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    probs, labels = np.asarray(probs), np.asarray(labels)
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    order = np.argsort(-confidence, kind="stable")[:k]
    return [(texts[i], int(labels[i]), int(predicted[i]), float(confidence[i])) for i in order]

# %% confident_mistakes: uses the probability of the true label as the confidence
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    probs, labels = np.asarray(probs), np.asarray(labels)
    predicted = probs.argmax(axis=1)
    confidence = probs[np.arange(len(probs)), labels]
    wrong = [i for i in range(len(texts)) if predicted[i] != labels[i]]
    wrong.sort(key=lambda i: -confidence[i])
    return [(texts[i], int(labels[i]), int(predicted[i]), float(confidence[i])) for i in wrong[:k]]

# %% confident_mistakes: takes the k most confident predictions first and only then keeps the wrong ones
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    probs, labels = np.asarray(probs), np.asarray(labels)
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    top = np.argsort(-confidence, kind="stable")[:k]
    return [(texts[i], int(labels[i]), int(predicted[i]), float(confidence[i])) for i in top if predicted[i] != labels[i]]

# %% confident_mistakes: sorts ascending and reverses the result, so equal confidences come out in reverse order
def most_confident_mistakes(texts, labels, probs, k: int) -> list:
    probs, labels = np.asarray(probs), np.asarray(labels)
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    order = wrong[np.argsort(confidence[wrong])[::-1]][:k]
    return [(texts[i], int(labels[i]), int(predicted[i]), float(confidence[i])) for i in order]

# %% classify: forgets to move the batch to the model's device (works on a CPU, crashes on a GPU)
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
    probs = torch.softmax(logits.float(), dim=-1)
    confidence, predicted = probs.max(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), confidence.tolist())]

# %% classify: moves only the input ids to the model's device, not the attention mask
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"])
    probs = torch.softmax(logits.float(), dim=-1)
    confidence, predicted = probs.max(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), confidence.tolist())]

# %% classify: returns lists [label, probability] and NumPy floats instead of tuples of Python types
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"].to(device))
    probs = torch.softmax(logits.float(), dim=-1).numpy()
    return [[label_names[int(row.argmax())], row.max()] for row in probs]

# %% classify: softmax over the batch dimension instead of over the classes
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"].to(device))
    probs = torch.softmax(logits, dim=0)
    confidence, predicted = probs.max(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), confidence.tolist())]

# %% classify: forgets model.eval(), so dropout is still on after training
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"].to(device))
    probs = torch.softmax(logits, dim=-1)
    confidence, predicted = probs.max(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), confidence.tolist())]

# %% classify: does not pass the attention mask, so the encoder attends to the padding
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"].to(device))
    probs = torch.softmax(logits, dim=-1)
    confidence, predicted = probs.max(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), confidence.tolist())]

# %% classify: a sigmoid on each logit instead of a softmax over the classes
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"].to(device))
    probs = torch.sigmoid(logits)
    confidence, predicted = probs.max(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), confidence.tolist())]

# %% classify: always reports the probability of the last class, whatever the prediction
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"].to(device))
    probs = torch.softmax(logits, dim=-1)
    predicted = probs.argmax(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), probs[:, -1].tolist())]

# %% concept_order: initialises θ and ω after training (minimise and initialise swapped)
steps_in_order = ["C", "B", "E", "D", "F", "G", "A"]

# %% concept_order: adds the prediction network before obtaining the pre-trained model
steps_in_order = ["B", "C", "E", "F", "D", "G", "A"]

# %% concept_order: initialises ω before the prediction network exists
steps_in_order = ["C", "F", "B", "E", "D", "G", "A"]

# %% concept_order: evaluates before training
steps_in_order = ["C", "B", "E", "F", "G", "D", "A"]

# %% concept_order: prepares the tokenized data before obtaining the tokenizer
steps_in_order = ["E", "C", "B", "F", "D", "G", "A"]

# %% concept_order: applies the model to new inputs before training it
steps_in_order = ["C", "B", "E", "F", "A", "D", "G"]

# %% concept_order: a string instead of a list
steps_in_order = "CBEFDGA"

# %% newly_initialized: writes the classifier's names by hand
def newly_initialized(checkpoint, num_labels: int) -> list:
    return ["classifier.bias", "classifier.weight"]

# %% newly_initialized: every parameter whose name starts with classifier
def newly_initialized(checkpoint, num_labels: int) -> list:
    model = transformers.AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=num_labels)
    return sorted(name for name, _ in model.named_parameters() if name.startswith("classifier"))

# %% newly_initialized: counts the pooler as new (ω) whatever the checkpoint holds
def newly_initialized(checkpoint, num_labels: int) -> list:
    model = transformers.AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=num_labels)
    return sorted(name for name, _ in model.named_parameters() if name.startswith(("classifier", "bert.pooler")))

# %% newly_initialized: returns the names of the loaded parameters (θ̂) instead of the new ones
def newly_initialized(checkpoint, num_labels: int) -> list:
    model, info = transformers.AutoModelForSequenceClassification.from_pretrained(
        checkpoint, num_labels=num_labels, output_loading_info=True)
    return sorted(name for name, _ in model.named_parameters() if name not in info["missing_keys"])

# %% newly_initialized: not sorted
def newly_initialized(checkpoint, num_labels: int) -> list:
    model, info = transformers.AutoModelForSequenceClassification.from_pretrained(
        checkpoint, num_labels=num_labels, output_loading_info=True)
    return sorted(info["missing_keys"], reverse=True)

# %% concept_order: the steps as listed (A to G)
steps_in_order = ["A", "B", "C", "D", "E", "F", "G"]

# %% majority_baseline: an accuracy that is nan (its comparisons are all False)
def majority_baseline_accuracy(train_labels, test_labels) -> float:
    return float("nan")

# %% classify: hands the work to the course package's predict
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    predictions = cu.predict(model, tokenizer, list(texts), label_names, max_length=max_length)
    return [(label_names[int(row.argmax())], float(row.max())) for row in predictions.probs]

# %% classify: moves the whole encoding, but forgets model.eval()
def classify(model, tokenizer, texts, label_names, max_length: int = 128) -> list:
    device = next(model.parameters()).device
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt").to(device)
    with torch.no_grad():
        logits = model(**enc)
    probs = torch.softmax(logits.float(), dim=-1)
    confidence, predicted = probs.max(dim=-1)
    return [(label_names[i], float(p)) for i, p in zip(predicted.tolist(), confidence.tolist())]

# %% per_example_loss: the model's own loss, the mean over the batch (one number)
def per_example_loss(model, batch) -> torch.Tensor:
    return model(**batch).loss

# %% per_example_loss: the raw [CLS] vector instead of BERT's pooler output
def per_example_loss(model, batch) -> torch.Tensor:
    hidden = model.bert(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    logits = model.classifier(model.dropout(hidden[:, 0]))
    return F.cross_entropy(logits, batch["labels"], reduction="none")

# %% per_example_loss: log-probabilities of the labels, without the minus sign
def per_example_loss(model, batch) -> torch.Tensor:
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return torch.log_softmax(logits, dim=-1).gather(1, batch["labels"][:, None]).squeeze(1)

# %% per_example_loss: a softmax before the cross-entropy
def per_example_loss(model, batch) -> torch.Tensor:
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return F.cross_entropy(torch.softmax(logits, dim=-1), batch["labels"], reduction="none")
