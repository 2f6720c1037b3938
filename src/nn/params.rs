//! Parameters that live outside the tape and persist across training steps: [`Params`].

use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::tensor::Tensor;
use indexmap::IndexMap;
use std::ops::Index;
use std::sync::Arc;

/// One parameter: its value and the gradient from the last [`Params::read_grads`] (zeros
/// before the first).
#[derive(Clone, Debug, PartialEq)]
pub struct Param<T: Float> {
    /// The current value.
    pub value: Tensor<T>,
    /// ∂loss/∂value from the last step, same shape as `value`.
    pub grad: Tensor<T>,
}

/// Named parameters in a stable order (insertion order), living outside the tape and
/// persisting across training steps.
///
/// A [`Params`] is an ordered map from names (`"layer0.weight"`, `"layer0.bias"`, ...) to a
/// value and the gradient of the last step. Each step records the values on a tape as leaves
/// with [`Params::bind`], runs the model and `backward`, and copies the leaves' gradients
/// back with [`Params::read_grads`]; an optimizer then updates the values in place.
///
/// ```
/// use tapegrad::{Graph, Tensor, nn::Params};
/// let mut params = Params::new();
/// params.add("w", Tensor::scalar(3.0));
/// let mut g = Graph::new();
/// for _ in 0..2 {
///     g.clear(); // the same tape, its memory reused
///     let p = params.bind(&g);
///     let loss = p[0] * p[0]; // w²
///     loss.backward();
///     params.read_grads(&p);
///     let w = params.get_mut("w").unwrap();
///     w.value = w.value.map(|x| x - 0.25 * x * 2.0); // w ← w − 0.25·2w
/// }
/// assert_eq!(params["w"].value.item(), 0.75); // 3 → 1.5 → 0.75
/// assert_eq!(params["w"].grad.item(), 3.0); // the gradient of the last step, 2·1.5
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params<T: Float = f64> {
    /// Shared names: binding a parameter names its leaf with a clone of this `Arc`, so a
    /// training step copies no strings.
    map: IndexMap<Arc<str>, Param<T>>,
}

/// The parameters recorded as leaves on one tape, in the order of their [`Params`]:
/// `p[i]` is the `i`-th parameter's `Var`.
#[derive(Clone, Debug)]
pub struct Bound<'g, T: Float = f64> {
    vars: Vec<Var<'g, T>>,
}

impl<T: Float> Params<T> {
    /// No parameters.
    pub fn new() -> Self {
        Params {
            map: IndexMap::new(),
        }
    }

    /// Adds a parameter with a zero gradient and returns its position.
    ///
    /// # Panics
    /// When a parameter of that name already exists.
    #[track_caller]
    pub fn add(&mut self, name: impl Into<String>, value: Tensor<T>) -> usize {
        let name: Arc<str> = name.into().into();
        if self.map.contains_key(&*name) {
            duplicate_panic(&name);
        }
        let grad = Tensor::zeros(value.shape());
        self.map.insert_full(name, Param { value, grad }).0
    }

    /// The number of parameters (tensors, not elements).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The total number of elements over all parameters.
    pub fn num_elements(&self) -> usize {
        self.map.values().map(|p| p.value.len()).sum()
    }

    /// The parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&Param<T>> {
        self.map.get(name)
    }

    /// The parameter called `name`, mutable.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Param<T>> {
        self.map.get_mut(name)
    }

    /// The `i`-th parameter with its name.
    pub fn get_index(&self, i: usize) -> Option<(&str, &Param<T>)> {
        self.map.get_index(i).map(|(k, v)| (&**k, v))
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(|k| &**k)
    }

    /// `(name, parameter)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Param<T>)> {
        self.map.iter().map(|(k, v)| (&**k, v))
    }

    /// `(name, parameter)` pairs, in order, mutable (for optimizers).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Param<T>)> {
        self.map.iter_mut().map(|(k, v)| (&**k, v))
    }

    /// Records every value as a variable leaf on `g`, named after its parameter, and returns
    /// the leaves in order.
    pub fn bind<'g>(&self, g: &'g Graph<T>) -> Bound<'g, T> {
        let vars = self
            .map
            .iter()
            .map(|(name, p)| g.tensor(p.value.clone()).named_shared(name))
            .collect();
        Bound { vars }
    }

    /// Copies each leaf's gradient from the last `backward` into [`Param::grad`]. A leaf the
    /// loss did not reach reads zeros.
    ///
    /// # Panics
    /// When `bound` does not hold one leaf per parameter, or a leaf's gradient does not have
    /// its parameter's shape (`bound` came from other parameters); the message names the
    /// parameter and both shapes.
    #[track_caller]
    pub fn read_grads(&mut self, bound: &Bound<'_, T>) {
        if bound.vars.len() != self.map.len() {
            bound_panic(bound.vars.len(), self.map.len());
        }
        for ((name, p), v) in self.map.iter_mut().zip(&bound.vars) {
            let g = v.grad();
            if g.shape() != p.value.shape() {
                grad_shape_panic(name, g.shape(), p.value.shape());
            }
            p.grad = g;
        }
    }

    /// Sets every gradient to zero.
    pub fn zero_grads(&mut self) {
        for p in self.map.values_mut() {
            p.grad.data_mut().fill(T::ZERO);
        }
    }
}

impl<T: Float> Index<&str> for Params<T> {
    type Output = Param<T>;
    /// The parameter called `name`.
    ///
    /// # Panics
    /// When there is none; the message lists the names there are.
    #[track_caller]
    fn index(&self, name: &str) -> &Param<T> {
        match self.map.get(name) {
            Some(p) => p,
            None => missing_panic(name, self.names().collect()),
        }
    }
}

impl<'g, T: Float> Bound<'g, T> {
    /// Wraps leaves made some other way (constants for inference, or the inputs of a
    /// gradient check), in the order of the parameters they stand for.
    pub fn from_vars(vars: Vec<Var<'g, T>>) -> Self {
        Bound { vars }
    }

    /// The leaves, in parameter order.
    pub fn vars(&self) -> &[Var<'g, T>] {
        &self.vars
    }

    /// The number of leaves.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether there are no leaves.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// Σ p² over every element of every parameter, as a rank-0 `Var`: the L2 penalty
    /// (∂/∂p = 2p).
    ///
    /// # Panics
    /// When there are no parameters (there is no graph to put the 0 on).
    #[track_caller]
    pub fn sum_of_squares(&self) -> Var<'g, T> {
        let mut it = self.vars.iter().map(|v| v.powi(2).sum());
        let first = it.next().unwrap_or_else(|| empty_panic());
        it.fold(first, |acc, s| acc + s)
    }
}

impl<'g, T: Float> Index<usize> for Bound<'g, T> {
    type Output = Var<'g, T>;
    #[track_caller]
    fn index(&self, i: usize) -> &Var<'g, T> {
        &self.vars[i]
    }
}

#[cold]
#[track_caller]
fn duplicate_panic(name: &str) -> ! {
    panic!("Params::add: a parameter named {name:?} already exists")
}

#[cold]
#[track_caller]
fn missing_panic(name: &str, names: Vec<&str>) -> ! {
    panic!("Params: no parameter named {name:?} (there are {names:?})")
}

#[cold]
#[track_caller]
fn bound_panic(got: usize, want: usize) -> ! {
    panic!("Params::read_grads: got {got} leaves for {want} parameters (bind these parameters)")
}

#[cold]
#[track_caller]
fn grad_shape_panic(name: &str, grad: &[usize], param: &[usize]) -> ! {
    panic!(
        "Params::read_grads: {name}: gradient {grad:?} but parameter {param:?} \
         (bind these parameters, not another model's)"
    )
}

#[cold]
#[track_caller]
fn empty_panic() -> ! {
    panic!("Bound::sum_of_squares: there are no parameters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_insertion_order_and_read_grads_after_a_step() {
        let mut ps = Params::new();
        ps.add(
            "layer1.weight",
            Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap(),
        );
        ps.add("layer0.bias", Tensor::scalar(0.5));
        assert_eq!(
            ps.names().collect::<Vec<_>>(),
            ["layer1.weight", "layer0.bias"]
        );
        let g = Graph::new();
        let p = ps.bind(&g);
        // loss = Σw² + 3b: ∂/∂w = 2w, ∂/∂b = 3.
        (p.sum_of_squares() - p[1].powi(2) + p[1].scale(3.0)).backward();
        ps.read_grads(&p);
        assert_eq!(ps["layer1.weight"].grad.data(), &[2.0, 4.0]);
        assert_eq!(ps["layer0.bias"].grad.item(), 3.0);
        assert_eq!(p[0].name(), "layer1.weight");
        ps.zero_grads();
        assert_eq!(ps["layer1.weight"].grad.data(), &[0.0, 0.0]);
    }

    #[test]
    fn read_grads_rejects_another_models_leaves_naming_the_parameter() {
        // Two models with the same number of parameters but other shapes: the count check
        // alone would accept B's leaves for A.
        let mut a = Params::new();
        a.add("layer1.weight", Tensor::<f64>::zeros(&[5, 4]));
        let mut b = Params::new();
        b.add("layer1.weight", Tensor::<f64>::zeros(&[3, 2]));
        let g = Graph::new();
        let p = b.bind(&g);
        p[0].sum().backward();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.read_grads(&p)));
        let msg = *caught.unwrap_err().downcast::<String>().unwrap();
        assert!(
            msg.contains("layer1.weight: gradient [3, 2] but parameter [5, 4]"),
            "{msg}"
        );
        // Same element count, other shape: still caught.
        let mut c = Params::new();
        c.add("w", Tensor::<f64>::zeros(&[2, 3]));
        let mut d = Params::new();
        d.add("w", Tensor::<f64>::zeros(&[3, 2]));
        let g = Graph::new();
        let p = d.bind(&g);
        p[0].sum().backward();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.read_grads(&p)));
        assert!(caught.is_err(), "[3, 2] gradients for a [2, 3] parameter");
    }

    #[test]
    fn unreached_parameter_reads_zero_gradient() {
        let mut ps = Params::new();
        ps.add("a", Tensor::scalar(2.0));
        ps.add("unused", Tensor::zeros(&[2, 2]));
        let g = Graph::new();
        let p = ps.bind(&g);
        (p[0] * 5.0).backward();
        ps.read_grads(&p);
        assert_eq!(ps["a"].grad.item(), 5.0);
        assert_eq!(ps["unused"].grad, Tensor::zeros(&[2, 2]));
    }

    #[test]
    #[should_panic(expected = "Params::add: a parameter named \"w\" already exists")]
    fn duplicate_name_panics() {
        let mut ps = Params::<f64>::new();
        ps.add("w", Tensor::scalar(1.0));
        ps.add("w", Tensor::scalar(2.0));
    }

    #[test]
    #[should_panic(expected = "no parameter named \"v\" (there are [\"w\"])")]
    fn indexing_a_missing_name_lists_the_names() {
        let mut ps = Params::<f64>::new();
        ps.add("w", Tensor::scalar(1.0));
        let _ = &ps["v"];
    }
}
